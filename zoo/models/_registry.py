"""Discovery of architectures through the entry-point group ``zoo.architectures``, and
registration in the running process (:func:`register_architecture`).

Each entry point names a :class:`~zoo.models.base.GAN` subclass. Discovery is forgiving: a
plugin whose import fails, whose class breaks the contract (no task, a config whose defaults
break its own rules) or whose name another distribution also claims is recorded as broken
with the reason, and never hides the others. Only the contested name is refused, naming both
claimants: silently picking one would make results depend on install order; the qualified
name ``DISTRIBUTION:NAME`` picks one of them.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import re
import traceback
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from zoo.config import ArchConfig
from zoo.constants import ARCHITECTURES_GROUP
from zoo.errors import ConfigError, PluginError, UnknownNameError
from zoo.models.base import GAN
from zoo.tasks import BUILTIN_TASK_NAMES
from zoo.tasks.base import Task

GROUP = ARCHITECTURES_GROUP
#: what an architecture registered in the process may be called
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


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


def _dist_name(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return dist.name if dist is not None else "<unknown distribution>"


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


#: architectures registered in this process (:func:`register_architecture`), by name
_REGISTERED: dict[str, ArchitectureInfo] = {}


def _name_class(cls: type[GAN], name: str, distribution: str) -> type[GAN]:
    cls.architecture = name
    if "Config" not in vars(cls):  # inherited (an LSGAN built on DCGAN): its own, so
        cls.Config = _own_config(cls)  # that config errors name this architecture
    cls.Config.architecture = name
    cls.distribution = distribution
    return cls


def _load(ep: EntryPoint, as_name: str) -> ArchitectureInfo:
    """The architecture of entry point ``ep``, its plugin imported, named ``as_name``."""
    info = ArchitectureInfo(as_name, _distribution(ep), ep.value)
    try:
        cls = _check_contract(ep.load(), ep.value)
        dist = _dist_name(ep) if getattr(ep, "dist", None) is not None else ""
        info.cls = _name_class(cls, as_name, dist)
    except Exception as exc:  # a broken plugin must not break the others
        info.error = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return info


@functools.cache
def _info(name: str) -> ArchitectureInfo:
    """The architecture declared (or registered) as ``name``, or the qualified name
    ``DISTRIBUTION:NAME``, its plugin imported (only this one)."""
    if name in _REGISTERED:
        return _REGISTERED[name]
    if ":" in name:
        dist, _, plain = name.partition(":")
        for ep in _declared().get(plain, []):
            owner = getattr(ep, "dist", None)
            if owner is not None and _same_dist(owner.name, dist):
                return _load(ep, name)
        raise KeyError(name)
    eps = _declared()[name]
    if len(eps) > 1:
        claimants = " and ".join(f"{_distribution(ep)} ({ep.value})" for ep in eps)
        info = ArchitectureInfo(name, ", ".join(_distribution(ep) for ep in eps), eps[0].value)
        picks = ", ".join(f"{_dist_name(ep)}:{name}" for ep in eps)
        info.error = (
            f"architecture name {name!r} is claimed by {claimants}; uninstall one of them, "
            f"or pick one by its qualified name ({picks})"
        )
        return info
    return _load(eps[0], name)


def _same_dist(a: str, b: str) -> bool:
    """Distribution names compare as pip does: case and -, _, . alike."""
    normal = str.maketrans("_.", "--")
    return a.lower().translate(normal) == b.lower().translate(normal)


def register_architecture(cls: type[GAN] | None = None, *, name: str | None = None) -> Any:
    """Register ``cls`` as the architecture ``name`` (default: the class name in lower case)
    in this process, as an entry point would: a notebook experiment needs no package. The
    contract is checked as for plugins; a name an installed plugin or an earlier
    registration holds is refused, naming the holder. Use as a call or a decorator::

        @zoo.register_architecture(name="lsgan")
        class LSGAN(zoo.UnconditionalGAN): ...
    """

    def register(target: type[GAN]) -> type[GAN]:
        chosen = name or target.__name__.lower()
        if not _NAME.match(chosen):
            raise PluginError(
                f"architecture name {chosen!r}: use lowercase letters, digits, '-' and '_', "
                "starting with a letter or digit"
            )
        where = f"{target.__module__}.{target.__qualname__}"
        holder = _REGISTERED.get(chosen)
        if holder is not None and holder.cls is not target:
            raise PluginError(f"architecture name {chosen!r} is registered to {holder.target}")
        if chosen in _declared():
            owners = ", ".join(_distribution(ep) for ep in _declared()[chosen])
            raise PluginError(
                f"architecture name {chosen!r} is installed by {owners}; register {where} "
                "under another name"
            )
        try:
            checked = _check_contract(target, where)
        except Exception as exc:
            raise PluginError(f"{where} cannot be registered: {exc}") from None
        _name_class(checked, chosen, "")
        info = ArchitectureInfo(chosen, "registered in this process", where, cls=checked)
        _REGISTERED[chosen] = info
        _info.cache_clear()
        return checked

    return register(cls) if cls is not None else register


def discover() -> dict[str, ArchitectureInfo]:
    """All architectures declared in the environment or registered in this process, broken
    and contested ones included (every plugin imported)."""
    return {name: _info(name) for name in declared_architectures()}


def declared_architectures() -> list[str]:
    """Names of the architectures declared in the environment or registered in this
    process, sorted; no plugin imported, usable or not."""
    return sorted({*_declared(), *_REGISTERED})


def find_architecture(name: str) -> ArchitectureInfo | None:
    """The architecture declared or registered as ``name``, or named ``DISTRIBUTION:NAME``
    (its plugin imported), or None."""
    if name in _REGISTERED or name in _declared():
        return _info(name)
    if ":" in name:
        try:
            return _info(name)
        except KeyError:
            return None
    return None


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
