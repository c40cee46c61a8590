"""The error text of pipeline files: one line per problem, naming the key and the fix.

:class:`PipelineError` (:mod:`s2decode.errors`) is what every check of a pipeline raises.
Validators collect their problems with :class:`Problems` and raise them together as
:class:`Issues` (keys relative to the validated section); :func:`format_errors` turns
pydantic's ``ValidationError`` into ``(dotted key, message)`` pairs whose messages say what is
allowed. The helpers (:func:`dotted`, :func:`choices`, :func:`suggest`, :func:`short`) keep the
wording the same everywhere.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import PipelineError

__all__ = [
    "Issues",
    "PipelineError",
    "Problems",
    "choices",
    "dotted",
    "format_errors",
    "short",
    "suggest",
]


class Issues(ValueError):
    """Problems found by a validator, each at a key relative to the validated model."""

    def __init__(self, items: Iterable[tuple[tuple, str]]):
        self.items = [(tuple(loc), msg) for loc, msg in items]
        super().__init__("; ".join(f"{dotted(loc)}: {msg}" for loc, msg in self.items))


class Problems:
    """Collects the problems a validator finds, then raises them together."""

    def __init__(self) -> None:
        self.items: list[tuple[tuple, str]] = []

    def add(self, loc: tuple, message: str) -> None:
        self.items.append((loc, message))

    def raise_any(self) -> None:
        if self.items:
            raise Issues(self.items)


def dotted(loc: Sequence[str | int]) -> str:
    """``("peers", 1, "name")`` as ``peers[1].name``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def choices(values: Iterable[Any]) -> str:
    """The allowed values as ``'a', 'b', 'c'``."""
    return ", ".join(repr(v) for v in values)


def suggest(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or ``""``."""
    close = difflib.get_close_matches(str(word), list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def short(value: Any, width: int = 60) -> str:
    """``repr(value)``, cut to ``width`` characters."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


# --------------------------------------------------------------------------- pydantic's errors
def _model_fields_at(
    root: type[BaseModel], loc: Sequence[str | int]
) -> tuple[type[BaseModel] | None, Any]:
    """The model whose key ``loc`` is, and the annotation of that key (for messages)."""
    model: type[BaseModel] | None = root
    annotation: Any = None
    for part in loc:
        if isinstance(part, int):
            annotation = _item_annotation(annotation)
        elif model is not None and part in model.model_fields:
            annotation = model.model_fields[part].annotation
        else:
            return None, None
        model = _model_in(annotation)
    return model, annotation


def _item_annotation(annotation: Any) -> Any:
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is list:
            return typing.get_args(arg)[0]
    if typing.get_origin(annotation) is list:
        return typing.get_args(annotation)[0]
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _nullable(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation)


def format_errors(err: ValidationError, root: type[BaseModel]) -> list[tuple[str, str]]:
    """``(dotted key, message)`` for each error of pydantic's ``err``, validating ``root``.

    Each message says what is wrong and what is allowed: unknown keys with a suggestion and
    the keys allowed there, literals with their choices, wrong types with what was given;
    the problems a validator collected (:class:`Issues`) keep their own keys.
    """
    out: list[tuple[str, str]] = []
    for e in err.errors():
        loc = tuple(e["loc"])
        kind = e["type"]
        ctx = e.get("ctx") or {}
        if kind == "value_error" and isinstance(ctx.get("error"), Issues):
            out += [(dotted(loc + sub), msg) for sub, msg in ctx["error"].items]
        elif kind == "value_error":
            out.append((dotted(loc), str(ctx.get("error", e["msg"]))))
        elif kind == "extra_forbidden":
            parent, _ = _model_fields_at(root, loc[:-1])
            allowed = list(parent.model_fields) if parent is not None else []
            where = f"in {dotted(loc[:-1])}" if loc[:-1] else "at the top level"
            out.append(
                (
                    dotted(loc),
                    f"unknown key{suggest(loc[-1], allowed)}; the keys allowed "
                    f"{where} are: {', '.join(allowed)}",
                )
            )
        elif kind == "literal_error":
            # pydantic's "'a', 'b' or 'c'" as a list (the schema's literals are plain words)
            choices = re.findall(r"'[^']*'", str(ctx.get("expected", ""))) or [
                str(ctx.get("expected", ""))
            ]
            _, annotation = _model_fields_at(root, loc)
            if _nullable(annotation):
                choices.append("null")
            out.append(
                (
                    dotted(loc),
                    f"{short(e['input'])} is not allowed; choose one of {', '.join(choices)}",
                )
            )
        elif kind == "missing":
            out.append((dotted(loc), "required key is missing"))
        elif kind in ("model_type", "dict_type") and loc:
            model, _ = _model_fields_at(root, loc)
            keys = f" ({', '.join(model.model_fields)})" if model is not None else ""
            out.append((dotted(loc), f"must be a mapping of keys{keys}, got {short(e['input'])}"))
        else:
            message = str(e["msg"]).replace("Input should be", "must be")
            out.append((dotted(loc), f"{message}, got {short(e['input'])}"))
    return out
