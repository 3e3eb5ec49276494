"""Discovery of architectures through the entry-point group ``zoo.architectures``.

Each entry point names a :class:`~zoo.model.GAN` subclass. A plugin whose import fails is
recorded as broken with its error and never hides the others; two distributions claiming one
name is an error that names both.
"""

from __future__ import annotations

import dataclasses
import functools
import traceback
from importlib.metadata import EntryPoint, entry_points

from zoo.errors import PluginError, UnknownNameError
from zoo.model import GAN

GROUP = "zoo.architectures"


@dataclasses.dataclass
class ArchitectureInfo:
    """One discovered architecture: its class, or why it could not be loaded."""

    name: str
    distribution: str
    target: str
    cls: type[GAN] | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.cls is not None


def _distribution(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else "<unknown distribution>"


@functools.lru_cache(maxsize=1)
def discover() -> dict[str, ArchitectureInfo]:
    """All architectures declared in the environment, broken ones included."""
    found: dict[str, ArchitectureInfo] = {}
    for ep in entry_points(group=GROUP):
        info = ArchitectureInfo(ep.name, _distribution(ep), ep.value)
        if ep.name in found and found[ep.name].target != ep.value:
            other = found[ep.name]
            raise PluginError(
                f"architecture name {ep.name!r} is claimed by two plugins: "
                f"{other.distribution} ({other.target}) and {info.distribution} ({ep.value}); "
                "uninstall one of them"
            )
        if ep.name in found:  # the same distribution seen twice on sys.path
            continue
        try:
            cls = ep.load()
            if not (isinstance(cls, type) and issubclass(cls, GAN)):
                raise TypeError(f"{ep.value} is {cls!r}, not a subclass of zoo.GAN")
            cls.architecture = ep.name
            cls.Config.architecture = ep.name
            info.cls = cls
        except Exception as exc:  # a broken plugin must not break the others
            line = traceback.format_exception_only(type(exc), exc)[-1].strip()
            info.error = line
        found[ep.name] = info
    return dict(sorted(found.items()))


def refresh() -> None:
    """Forget what was discovered (after installing a plugin in the running process)."""
    discover.cache_clear()


def list_architectures(include_broken: bool = False) -> list[str]:
    """Names of the installed architectures."""
    return [n for n, i in discover().items() if include_broken or i.ok]


def get_architecture(name: str) -> type[GAN]:
    """The class registered under ``name``; a clear error if unknown or broken."""
    infos = discover()
    if name not in infos:
        raise UnknownNameError("architecture", name, [n for n, i in infos.items() if i.ok])
    info = infos[name]
    if info.cls is None:
        raise PluginError(
            f"architecture {name!r} from {info.distribution} is installed but broken: {info.error}"
        )
    return info.cls
