"""`zoo list`: the catalog of trained models, or the installed architectures."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from zoo.cli._util import print_json, table


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "list",
        help="list trained models (or architectures)",
        description="List the catalog of trained models; with --architectures the "
        "installed architecture plugins (broken and contested ones with the reason); with "
        "--datasets the data sources --data NAME takes (built-in and from plugins). "
        "PATTERN filters names with shell wildcards (quote it: zoo list 'cgan-*'). "
        "Catalogs that fail to load are reported on stderr and hide nothing else.",
    )
    p.add_argument(
        "pattern", nargs="?", default="*", help="name pattern, e.g. '*-mnist' (default: all)"
    )
    p.add_argument("--task", default=None, help="only this task (unconditional, conditional, ...)")
    p.add_argument("--architecture", default=None, help="only models of this architecture")
    p.add_argument(
        "--license",
        default=None,
        metavar="PATTERN",
        help="only models whose weights' licence matches, any case, wildcards allowed "
        "(e.g. mit, 'nvidia*'); zoo info NAME says what a licence means",
    )
    p.add_argument("--architectures", action="store_true", help="list architecture plugins")
    p.add_argument(
        "--datasets", action="store_true", help="list data sources (what --data NAME takes)"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fnmatch import fnmatchcase

    from zoo.constants import HEADLINE_METRICS
    from zoo.models._catalog import catalog_errors, load_catalog
    from zoo.models._listing import list_models

    if args.datasets:
        return _datasets(args)
    if args.architectures:
        from zoo.models._registry import check_task, discover

        if args.task is not None:
            check_task(args.task)
        rows: list[dict[str, Any]] = [
            {
                "name": i.name,
                "status": i.status,
                "task": i.cls.task.name if i.cls else "",
                "distribution": i.distribution,
                "target": i.target,
                "error": i.error or "",
            }
            for i in discover().values()
            if fnmatchcase(i.name, args.pattern)
            and (args.task is None or (i.cls is not None and i.cls.task.name == args.task))
        ]
        if args.json:
            print_json(rows)
        else:
            print(table(rows, ["name", "status", "task", "distribution", "error"]))
        return 0
    catalog = load_catalog()
    rows = [
        {
            "name": e.name,
            "architecture": e.architecture,
            "dataset": e.dataset,
            "license": e.license,
            "weights": e.weights.sources(),
            "metrics": e.metrics,
            "description": e.description,
        }
        for e in (
            catalog[n]
            for n in list_models(args.pattern, args.task, args.architecture, args.license)
        )
    ]
    for error in catalog_errors():
        print(f"zoo: warning: {error}", file=sys.stderr)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print(f"zoo: no trained model matches {args.pattern!r}{_filters(args)}", file=sys.stderr)
        return 0
    for r in rows:
        m = r["metrics"]
        shown = [k for k in HEADLINE_METRICS if k in m][:3] or list(m)[:3]
        r["metrics"] = ", ".join(f"{k}={m[k]:g}" for k in shown)
        r["weights"] = " + ".join(_source_kind(s) for s in r["weights"])  # bundled + hub
    print(table(rows, ["name", "architecture", "weights", "license", "dataset", "metrics"]))
    return 0


def _source_kind(source: str) -> str:
    """bundled, hub, url, or the foreign format (``WeightsRef.sources``)."""
    first = source.split(" ")[0].rstrip(",:")
    return "url" if first.startswith(("http://", "https://")) else first


def _filters(args: argparse.Namespace) -> str:
    given = (("task", args.task), ("architecture", args.architecture), ("license", args.license))
    said = [f"{k} {v!r}" for k, v in given if v]
    return (" with " + " and ".join(said) if said else "") + "; `zoo list` shows them all"


def _datasets(args: argparse.Namespace) -> int:
    """`zoo list --datasets`: every data source, and the plugin sources that failed."""
    from fnmatch import fnmatchcase

    from zoo.data.sources import broken_sources, get_source, list_sources, source_owner

    rows: list[dict[str, Any]] = []
    for name in list_sources():
        if not fnmatchcase(name, args.pattern):
            continue
        s = get_source(name)
        rows.append(
            {
                "name": name,
                "status": "ok",
                "kind": s.kind,
                "classes": len(s.classes),
                "trains_on": s.training_split,
                "distribution": source_owner(name),
                "description": s.description,
            }
        )
    for where, error in broken_sources().items():
        name, _, dist = where.partition(" ")
        if fnmatchcase(name, args.pattern):
            rows.append(
                {
                    "name": name,
                    "status": "broken",
                    "distribution": dist.strip("()"),
                    "description": error,
                }
            )
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        row["description"] = str(row["description"])[:70]
    columns = ["name", "status", "kind", "classes", "trains_on", "distribution", "description"]
    print(table(rows, columns))
    return 0
