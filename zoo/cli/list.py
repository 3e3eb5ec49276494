"""`zoo list`: the catalog of trained models, or the installed architectures."""

from __future__ import annotations

import argparse
import sys

from zoo.cli._util import print_json, table


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "list",
        help="list trained models (or architectures)",
        description="List the catalog of trained models, or with --architectures the "
        "installed architecture plugins (broken and contested ones with the reason). "
        "Catalogs that fail to load are reported on stderr and hide nothing else.",
    )
    p.add_argument("--architectures", action="store_true", help="list architecture plugins")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zoo.models._catalog import catalog_errors, load_catalog
    from zoo.models._registry import discover

    if args.architectures:
        rows = [
            {
                "name": i.name,
                "status": i.status,
                "task": i.cls.task.name if i.cls else "",
                "distribution": i.distribution,
                "target": i.target,
                "error": i.error or "",
            }
            for i in discover().values()
        ]
        if args.json:
            print_json(rows)
        else:
            print(table(rows, ["name", "status", "task", "distribution", "error"]))
        return 0
    rows = [
        {
            "name": e.name,
            "architecture": e.architecture,
            "dataset": e.dataset,
            "metrics": e.metrics,
            "description": e.description,
        }
        for e in load_catalog().values()
    ]
    for error in catalog_errors():
        print(f"zoo: warning: {error}", file=sys.stderr)
    if args.json:
        print_json(rows)
        return 0
    infos = discover()
    for r in rows:
        m, info = r["metrics"], infos.get(r["architecture"])
        headline = info.cls.task.headline_metrics if info is not None and info.cls else ()
        shown = [k for k in headline if k in m][:3] or list(m)[:3]
        r["metrics"] = ", ".join(f"{k}={m[k]:g}" for k in shown)
    print(table(rows, ["name", "architecture", "dataset", "metrics"]))
    return 0
