"""Reading pickles of reference code bases (StyleGAN2-ADA, StyleGAN3, R3GAN) as data.

A plain ``pickle.load`` of those files imports the reference's modules and calls whatever the
file names, and NVIDIA's ``torch_utils.persistence`` executes the module source embedded in
the file. :func:`read_pickle` does neither: it knows a short list of globals (tensors and
their storages, dtypes, ``OrderedDict``, numpy scalars, ``dnnlib.EasyDict``), turns every
object of a reference class, persistent or not, into an inert :class:`Record` of its pickled
state, keeps embedded source as a string that nothing runs, and refuses any other global by
name before anything is called.
"""

from __future__ import annotations

import collections
import importlib
import io
import os
import pickle
from collections.abc import Iterable
from typing import Any, ClassVar

import torch

from zoo.errors import WeightsError

#: classes of these modules become records in every pickle (reference networks hold them)
TORCH_MODULES = ("torch.nn.modules.",)
#: the global through which NVIDIA's persistent classes rebuild themselves (by exec)
PERSISTENT = ("torch_utils.persistence", "_reconstruct_persistent_obj")


class Record:
    """An object of a reference class, read as data: never constructed, never run. ``state``
    is what the pickle would have given its ``__setstate__`` (for a ``torch.nn.Module``, its
    ``__dict__``: ``_parameters``, ``_buffers``, ``_modules`` and attributes)."""

    module: ClassVar[str] = ""
    name: ClassVar[str] = ""
    args: tuple[Any, ...] = ()
    state: Any = None
    #: the source a persistent class embeds (kept as text; nothing executes it)
    source: str = ""

    def __init__(self, *args: Any) -> None:
        self.args = args

    def __setstate__(self, state: Any) -> None:
        self.state = state

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}" if self.module else self.name

    def get(self, attribute: str, default: Any = None) -> Any:
        """An attribute of the pickled object (a key of its state)."""
        return self.state.get(attribute, default) if isinstance(self.state, dict) else default

    def children(self) -> dict[str, Any]:
        """The sub-modules of a pickled ``nn.Module`` by name."""
        return dict(self.get("_modules") or {})

    def init_kwargs(self, where: str) -> dict[str, Any]:
        """The constructor's keyword arguments that NVIDIA's persistent classes record
        (``_init_kwargs``); an error naming ``where`` if the object records none."""
        kwargs = self.get("_init_kwargs")
        if not isinstance(kwargs, dict):
            raise WeightsError(f"{where}: {self.name} records no constructor arguments")
        return dict(kwargs)

    def __repr__(self) -> str:
        return f"<{self.qualname} (pickled record)>"


class AttributeDict(dict):
    """``dnnlib.util.EasyDict`` read back: a dict (its attribute access is not needed)."""


_record_classes: dict[tuple[str, str], type[Record]] = {}


def _record_class(module: str, name: str) -> type[Record]:
    key = (module, name)
    if key not in _record_classes:
        _record_classes[key] = type(name, (Record,), {"module": module, "name": name})
    return _record_classes[key]


def _persistent_record(meta: dict[str, Any]) -> Record:
    """What ``_reconstruct_persistent_obj(meta)`` gives: the class named in ``meta``, here a
    record of its state; ``meta["module_src"]`` is kept as text and never executed."""
    if not isinstance(meta, dict) or meta.get("type") != "class":
        raise WeightsError(f"a persistent object of unknown kind {type(meta).__name__}")
    record = _record_class("", str(meta.get("class_name", "")))()
    record.state = meta.get("state")
    record.source = str(meta.get("module_src", ""))
    return record


def _load_storage(data: bytes) -> Any:
    """``torch.storage._load_from_bytes``, through torch's own weights-only unpickler."""
    return torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")


def _rebuild_from_type(func: Any, new_type: Any, args: tuple, state: Any) -> torch.Tensor:
    """``torch._tensor._rebuild_from_type_v2`` for plain tensors and parameters only."""
    if new_type not in (torch.Tensor, torch.nn.Parameter):
        raise WeightsError(f"a tensor of type {new_type!r}; only plain tensors are read")
    tensor = func(*args)
    if type(tensor) is not new_type:
        tensor = tensor.as_subclass(new_type)
    if state:
        raise WeightsError("a tensor with pickled attributes; only plain tensors are read")
    return tensor


def _latin1(text: str, encoding: str = "latin1") -> bytes:
    """``_codecs.encode``, which protocol-2 pickles call to spell bytes, for that use only."""
    if encoding != "latin1" or not isinstance(text, str):
        raise WeightsError(f"_codecs.encode with {encoding!r}; only latin1 spells bytes")
    return text.encode("latin1")


def _numpy(name: str) -> Any:
    """numpy's ``multiarray.<name>`` (``numpy._core`` since numpy 2, ``numpy.core`` before)."""
    try:
        module = importlib.import_module("numpy._core.multiarray")
    except ImportError:
        module = importlib.import_module("numpy.core.multiarray")
    return getattr(module, name)


_TORCH_GLOBALS: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("_codecs", "encode"): _latin1,
    ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): torch._utils._rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): torch._utils._rebuild_parameter_with_state,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type,
    ("torch.storage", "_load_from_bytes"): _load_storage,
    ("torch", "Size"): torch.Size,
    ("torch", "device"): torch.device,
    ("torch", "Tensor"): torch.Tensor,
    ("torch.nn.parameter", "Parameter"): torch.nn.Parameter,
    ("dnnlib.util", "EasyDict"): AttributeDict,
    PERSISTENT: _persistent_record,
}
#: numpy's scalar and array constructors (StyleGAN3 layers keep numpy floats as arguments)
_NUMPY_GLOBALS = {
    (module, name): name
    for module in ("numpy.core.multiarray", "numpy._core.multiarray", "numpy")
    for name in ("scalar", "_reconstruct", "dtype", "ndarray")
}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: Any, record_modules: tuple[str, ...], where: str) -> None:
        super().__init__(file)
        self.record_modules = TORCH_MODULES + record_modules
        self.where = where

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _TORCH_GLOBALS:
            return _TORCH_GLOBALS[module, name]
        if (module, name) in _NUMPY_GLOBALS:
            return _numpy(_NUMPY_GLOBALS[module, name])
        if module == "torch" and isinstance(getattr(torch, name, None), torch.dtype):
            return getattr(torch, name)
        if name.isidentifier() and any(
            module == m.rstrip(".") or module.startswith(m if m.endswith(".") else m + ".")
            for m in self.record_modules
        ):
            return _record_class(module, name)
        raise WeightsError(
            f"{self.where}: refused {module}.{name}: the file asks to call it while loading, "
            "and a weights file needs nothing but tensors, plain values and the classes of "
            f"the networks it holds ({', '.join(m.rstrip('.') for m in self.record_modules)}); "
            "nothing was run"
        )

    def persistent_load(self, pid: Any) -> Any:
        raise WeightsError(
            f"{self.where}: a persistent id ({type(pid).__name__}) in a plain pickle; if this "
            "is a torch.save file, it is read as a state dict, not here"
        )


def read_pickle(path: str | os.PathLike, record_modules: Iterable[str] = ()) -> Any:
    """The contents of the pickle at ``path``, objects of reference classes as
    :class:`Record` s: those of ``record_modules`` (module names or prefixes ending in
    ``.``) and of ``torch.nn.modules``, and persistent ones whatever their class. Any other
    global is refused (:class:`~zoo.errors.WeightsError` naming it) and nothing is called."""
    where = os.fspath(path)
    with open(path, "rb") as f:
        try:
            return _RestrictedUnpickler(f, tuple(record_modules), where).load()
        except WeightsError:
            raise
        except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError) as e:
            raise WeightsError(f"{where} is not a readable pickle ({e})") from None


def module_state(record: Record, prefix: str = "") -> dict[str, torch.Tensor]:
    """What ``state_dict()`` of the pickled module would return: parameters and persistent
    buffers of ``record`` and its sub-modules, by dotted name."""
    out: dict[str, torch.Tensor] = {}
    skip = set(record.get("_non_persistent_buffers_set") or ())
    for key, value in (record.get("_parameters") or {}).items():
        if value is not None:
            out[prefix + key] = value.detach()
    for key, value in (record.get("_buffers") or {}).items():
        if value is not None and key not in skip:
            out[prefix + key] = value
    for key, child in record.children().items():
        if isinstance(child, Record):
            out |= module_state(child, f"{prefix}{key}.")
    return out


def plain_value(value: Any) -> Any:
    """A value as a config compares it: tuples as lists, numpy scalars as Python numbers."""
    if isinstance(value, (tuple, list)):
        return list(value)
    return value.item() if hasattr(value, "item") and not isinstance(value, torch.Tensor) else value


def snapshot_networks(
    contents: Any, discriminator: bool, where: str
) -> tuple[Record, Record | None]:
    """``G_ema`` and ``D`` (None where the file holds none) of a training snapshot,
    ``dict(G=..., D=..., G_ema=..., ...)`` as StyleGAN2-ADA, StyleGAN3 and R3GAN write it;
    with ``discriminator`` a missing ``D`` is an error."""
    d = contents.get("D")
    d = d if isinstance(d, Record) and d.name == "Discriminator" else None
    if discriminator and d is None:
        raise WeightsError(f"{where}: --discriminator, but the file holds no D")
    return contents["G_ema"], d


def describe(contents: Any) -> str:
    """A short account of what a pickle holds, for messages."""
    if isinstance(contents, dict):
        parts = [
            f"{k}: {v.qualname if isinstance(v, Record) else type(v).__name__}"
            for k, v in list(contents.items())[:8]
        ]
        return "a dict of " + ", ".join(parts)
    if isinstance(contents, Record):
        return contents.qualname
    return f"a {type(contents).__name__}"
