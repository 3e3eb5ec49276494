"""Discovery of architectures through the entry-point group ``zoo.architectures``.

Each entry point names a :class:`~zoo.models.base.GAN` subclass. Discovery is forgiving: a
plugin whose import fails, whose class breaks the contract (no task, a config whose defaults
break its own rules) or whose name another distribution also claims is recorded as broken
with the reason, and never hides the others. Only the contested name is refused, naming both
claimants: silently picking one would make results depend on install order.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import traceback
from importlib.metadata import EntryPoint, entry_points

from zoo.config import ArchConfig
from zoo.constants import ARCHITECTURES_GROUP
from zoo.errors import ConfigError, PluginError, UnknownNameError
from zoo.models.base import GAN
from zoo.tasks import BUILTIN_TASK_NAMES
from zoo.tasks.base import Task

GROUP = ARCHITECTURES_GROUP


@dataclasses.dataclass
class ArchitectureInfo:
    """One discovered architecture: its class, or why it cannot be used."""

    name: str
    distribution: str
    target: str
    cls: type[GAN] | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.cls is not None

    @property
    def status(self) -> str:
        if self.ok:
            return "ok"
        return "conflict" if self.error and "claimed by" in self.error else "broken"


def _distribution(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else "<unknown distribution>"


def _check_contract(cls: object, target: str) -> type[GAN]:
    """``cls`` as an architecture class, or the reason it is not one."""
    if not (isinstance(cls, type) and issubclass(cls, GAN)):
        raise TypeError(f"{target} is {cls!r}, not a subclass of zoo.GAN")
    task = getattr(cls, "task", None)
    if not isinstance(task, Task):
        raise TypeError(
            f"{cls.__name__}.task is {task!r}, not a zoo.tasks.Task: subclass a task's base "
            "class (zoo.UnconditionalGAN, zoo.ConditionalGAN, zoo.ImageToImageGAN, "
            "zoo.SuperResolutionGAN, zoo.SegmentationGAN) or set task to a Task instance"
            f" (built-in tasks: {', '.join(BUILTIN_TASK_NAMES)})"
        )
    cls.Config()  # the defaults as declared must pass the config's own rules
    return cls


def _claims(eps: list[EntryPoint]) -> dict[str, list[EntryPoint]]:
    """Entry points by name; the same distribution seen twice on sys.path counts once."""
    claims: dict[str, list[EntryPoint]] = {}
    for ep in eps:
        same = claims.setdefault(ep.name, [])
        if not any(other.value == ep.value for other in same):
            same.append(ep)
    return claims


@functools.lru_cache(maxsize=1)
def _declared() -> dict[str, list[EntryPoint]]:
    """The entry points of the group by name, none of them loaded yet."""
    return _claims(list(entry_points(group=GROUP)))


def _own_config(cls: type[GAN]) -> type[ArchConfig]:
    """A subclass of the config ``cls`` inherits, for ``cls`` alone (no fields of its own)."""
    parent = cls.Config
    body = {"__module__": cls.__module__, "__doc__": parent.__doc__}
    return dataclasses.dataclass(frozen=True)(type(parent.__name__, (parent,), body))


@functools.cache
def _info(name: str) -> ArchitectureInfo:
    """The architecture declared as ``name``, its plugin imported (only this one)."""
    eps = _declared()[name]
    info = ArchitectureInfo(name, _distribution(eps[0]), eps[0].value)
    if len(eps) > 1:
        claimants = " and ".join(f"{_distribution(ep)} ({ep.value})" for ep in eps)
        info.distribution = ", ".join(_distribution(ep) for ep in eps)
        info.error = f"architecture name {name!r} is claimed by {claimants}; uninstall one of them"
        return info
    try:
        cls = _check_contract(eps[0].load(), eps[0].value)
        cls.architecture = name
        if "Config" not in vars(cls):  # inherited (an LSGAN built on DCGAN): its own, so
            cls.Config = _own_config(cls)  # that config errors name this architecture
        cls.Config.architecture = name
        dist = getattr(eps[0], "dist", None)
        cls.distribution = dist.name if dist is not None else ""
        info.cls = cls
    except Exception as exc:  # a broken plugin must not break the others
        info.error = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return info


def discover() -> dict[str, ArchitectureInfo]:
    """All architectures declared in the environment, broken and contested ones included
    (every plugin imported)."""
    return {name: _info(name) for name in sorted(_declared())}


def declared_architectures() -> list[str]:
    """Names of the architectures declared in the environment, sorted; no plugin imported,
    usable or not."""
    return sorted(_declared())


def find_architecture(name: str) -> ArchitectureInfo | None:
    """The architecture declared as ``name`` (its plugin imported), or None."""
    return _info(name) if name in _declared() else None


def refresh() -> None:
    """Forget what was discovered (after installing a plugin in the running process)."""
    _declared.cache_clear()
    _info.cache_clear()


def list_architectures(pattern: str = "*", include_broken: bool = False) -> list[str]:
    """Names of the installed architectures matching ``pattern`` (fnmatch wildcards, e.g.
    ``"*gan*"``), sorted; usable ones unless ``include_broken``."""
    return sorted(
        n
        for n, i in discover().items()
        if (include_broken or i.ok) and fnmatch.fnmatchcase(n, pattern)
    )


def list_tasks() -> list[str]:
    """Names of the tasks of the installed architectures, sorted."""
    return sorted({i.cls.task.name for i in discover().values() if i.cls is not None})


def check_task(name: str) -> None:
    """A clear error if no installed architecture has the task ``name``."""
    if name not in list_tasks():
        raise ConfigError(f"unknown task {name!r}; valid: {', '.join(list_tasks())}")


def get_architecture(name: str) -> type[GAN]:
    """The class registered under ``name``; a clear error if unknown, broken or contested."""
    info = find_architecture(name)
    if info is None:
        raise UnknownNameError("architecture", name, list_architectures())
    if info.cls is None:
        if info.status == "conflict":
            raise PluginError(info.error or "")
        raise PluginError(
            f"architecture {name!r} from {info.distribution} is installed but broken: {info.error}"
        )
    return info.cls
