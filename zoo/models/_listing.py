"""Finding models as timm users do: ``list_models(pattern, task, architecture, license)``.

A plain listing reads the catalog alone (no architecture imported, so no torch: `zoo list`
stays fast); filtering by task or architecture asks the registry.
"""

from __future__ import annotations

import fnmatch

from zoo.errors import UnknownNameError
from zoo.models._catalog import load_catalog

__all__ = ["list_models"]


def list_models(
    pattern: str = "*",
    task: str | None = None,
    architecture: str | None = None,
    license: str | None = None,
    shipped: bool = False,
) -> list[str]:
    """Names of the trained models in the catalog, sorted, as timm lists its models.

    ``pattern``: fnmatch wildcards (``"*-mnist"``, ``"cgan-*"``); ``task``: only models of
    that task (``"conditional"``, ``"segmentation"`` ...); ``architecture``: only models of
    that architecture; ``license``: only models whose weights' licence matches (wildcards,
    any case: ``"mit"``, ``"nvidia*"``); ``shipped``: only models whose weights ship inside
    an installed package (they load offline; the others download, and convert if published
    in another format). An unknown task, architecture or licence is an error naming the
    valid ones.
    """
    catalog = load_catalog()
    names = [n for n in catalog if fnmatch.fnmatchcase(n, pattern)]
    if shipped:
        names = [n for n in names if catalog[n].weights.bundled]
    if license is not None:
        licences = {e.license for e in catalog.values()}
        if not any(fnmatch.fnmatch(x.lower(), license.lower()) for x in licences):
            raise UnknownNameError("license", license, licences)
        names = [n for n in names if fnmatch.fnmatch(catalog[n].license.lower(), license.lower())]
    if task is None and architecture is None:
        return sorted(names)  # the catalog alone: no architecture (nor torch) imported
    from zoo.models._registry import check_task, discover, list_architectures

    infos = discover()
    if task is not None:
        check_task(task)
    if architecture is not None and architecture not in infos:
        raise UnknownNameError("architecture", architecture, list_architectures())
    kept = []
    for name in names:
        entry = load_catalog()[name]
        if architecture is not None and entry.architecture != architecture:
            continue
        info = infos.get(entry.architecture)
        if task is not None and (info is None or info.cls is None or info.cls.task.name != task):
            continue
        kept.append(name)
    return sorted(kept)
