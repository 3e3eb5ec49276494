"""Typed, validated architecture configs: dataclasses whose fields carry their own rules.

A field's ``metadata`` may hold ``choices`` (a tuple of valid values), ``min`` and ``max``.
Types are checked against the annotation (int, float, bool, str, tuples of those).
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any, ClassVar, TypeVar

from zoo.errors import ConfigError

C = TypeVar("C", bound="ArchConfig")


def choice(default: Any, choices: tuple, doc: str = "") -> Any:
    """A field restricted to ``choices``."""
    return dataclasses.field(default=default, metadata={"choices": choices, "doc": doc})


def bounded(default: Any, min: float | None = None, max: float | None = None, doc: str = "") -> Any:
    """A numeric field restricted to ``[min, max]``."""
    return dataclasses.field(default=default, metadata={"min": min, "max": max, "doc": doc})


@dataclasses.dataclass(frozen=True)
class ArchConfig:
    """Base of every architecture config. Subclasses are frozen dataclasses."""

    architecture: ClassVar[str] = ""

    def __post_init__(self) -> None:
        self.validate()

    # -- validation -------------------------------------------------------------------------
    def validate(self) -> None:
        """Check every field against its type and rules; one error names every bad field."""
        hints = typing.get_type_hints(type(self))
        problems = []
        for f in dataclasses.fields(self):
            try:
                self._check_field(f, getattr(self, f.name), hints[f.name])
            except ConfigError as exc:
                problems.append(str(exc))
        if len(problems) == 1:
            raise ConfigError(problems[0])
        if problems:
            arch = self.architecture or type(self).__name__
            stripped = [p.removeprefix(f"{arch} config: ") for p in problems]
            raise ConfigError(f"{arch} config: {len(problems)} bad fields: " + "; ".join(stripped))

    def _check_field(self, f: dataclasses.Field, value: Any, hint: Any) -> None:
        self._check_type(f.name, value, hint)
        meta = f.metadata
        if "choices" in meta and value not in meta["choices"]:
            valid = ", ".join(repr(c) for c in meta["choices"])
            raise ConfigError(self._where(f.name, value) + f" is not valid; choose one of {valid}")
        lo, hi = meta.get("min"), meta.get("max")
        if lo is not None and value < lo:
            raise ConfigError(self._where(f.name, value) + f" is too small; it must be >= {lo}")
        if hi is not None and value > hi:
            raise ConfigError(self._where(f.name, value) + f" is too large; it must be <= {hi}")

    def _where(self, name: str, value: Any) -> str:
        arch = self.architecture or type(self).__name__
        return f"{arch} config: {name}={value!r}"

    def _check_type(self, name: str, value: Any, hint: Any) -> None:
        origin = typing.get_origin(hint)
        if origin is tuple:
            inner = typing.get_args(hint)[0]
            if not isinstance(value, tuple) or not all(_is(v, inner) for v in value):
                raise ConfigError(
                    self._where(name, value) + f" must be a tuple of {inner.__name__}"
                )
            return
        if not _is(value, hint):
            raise ConfigError(self._where(name, value) + f" must be of type {hint.__name__}")

    # -- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def field_defaults(cls) -> dict[str, Any]:
        """The declared default of every field that has one, as :meth:`to_dict` writes it."""
        return {
            f.name: _jsonable(f.default)
            for f in dataclasses.fields(cls)
            if f.default is not dataclasses.MISSING
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls: type[C], values: dict[str, Any]) -> C:
        """Build from a dict, rejecting unknown keys by name."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            arch = cls.architecture or cls.__name__
            raise ConfigError(
                f"{arch} config: unknown field(s) {', '.join(unknown)}; "
                f"valid fields: {', '.join(sorted(names))}"
            )
        hints = typing.get_type_hints(cls)
        coerced = {}
        for key, value in values.items():
            if typing.get_origin(hints[key]) is tuple and isinstance(value, list):
                value = tuple(value)
            coerced[key] = value
        return cls(**coerced)

    @classmethod
    def from_json(cls: type[C], text: str) -> C:
        return cls.from_dict(json.loads(text))

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """One row per field: name, type, default, rule, doc (for `zoo info`)."""
        hints = typing.get_type_hints(cls)
        rows = []
        for f in dataclasses.fields(cls):
            rule = ""
            if "choices" in f.metadata:
                rule = "one of " + ", ".join(map(str, f.metadata["choices"]))
            elif f.metadata.get("min") is not None or f.metadata.get("max") is not None:
                rule = f"[{f.metadata.get('min', '')}, {f.metadata.get('max', '')}]"
            hint = hints[f.name]
            rows.append(
                {
                    "name": f.name,
                    "type": getattr(hint, "__name__", str(hint)),
                    "default": _jsonable(f.default),
                    "rule": rule,
                    "doc": f.metadata.get("doc", ""),
                }
            )
        return rows


def _is(value: Any, hint: Any) -> bool:
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclasses.dataclass(frozen=True)
class ImageConfig(ArchConfig):
    """Base of the configs of models of square images: ``image_size``, the side of the images
    a generator draws, or the training crop of a translator, upscaler or segmenter. The task
    base classes' configs (:class:`zoo.GeneratorConfig`, :class:`zoo.ImageToImageConfig`,
    ...) extend it; an architecture's config extends those, redeclaring a field to change
    its default or bounds."""

    image_size: int = bounded(64, 4, 4096, "side of the square images (or training crops)")
