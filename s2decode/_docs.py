"""Docstring fragments written once: ``%(name)s`` placeholders filled from a room's mapping.

As MNE's ``mne.utils.docs.fill_doc`` with its ``docdict``: where several functions document
the same parameter (or a whole section) with the same words, their room keeps the text once,
in a mapping of named fragments, and decorates those functions with the filler made from it
(:func:`doc_filler`); their docstrings say ``%(name)s`` where the fragment goes. Unlike MNE's
``%``-formatting, only ``%(name)s`` placeholders are touched (a literal ``%`` needs no
escaping), and a fragment of several lines is indented as the line that holds its
placeholder, so one fragment serves a function and a method alike.

Shared by every room, as :mod:`s2decode._checks`: each room owns its fragments (the
estimators' parameter table, the datasets' ``describe`` parameters, the figures' example
trial), the mechanism is this one.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from functools import partial
from types import MappingProxyType

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def fill_docstring(doc: str, fragments: Mapping[str, str], owner: str = "docstring") -> str:
    """``doc`` with every placeholder ``%(name)s`` replaced by ``fragments[name]``.

    Parameters
    ----------
    doc : str
        The docstring.
    fragments : mapping of str to str
        The shared texts by name. Each is dedented and stripped of its leading and trailing
        blank lines; its lines after the first get the indentation of the docstring line the
        placeholder stands in (a numpydoc entry ``"x : int\\n    Its description."`` put
        on a line indented by 8 spaces keeps its description 4 spaces deeper).
    owner : str
        What the docstring documents, named in the error.

    Returns
    -------
    doc : str
        The filled docstring; text without placeholders is unchanged.

    Raises
    ------
    KeyError
        Where a placeholder names no fragment.

    Examples
    --------
    >>> print(fill_docstring("    x : %(kind)s", {"kind": "int\\n    Its size."}))
        x : int
            Its size.
    """
    out = []
    for line in doc.splitlines(keepends=True):
        indent = line[: len(line) - len(line.lstrip(" "))]
        fill = partial(_fragment, fragments=fragments, indent=indent, owner=owner)
        out.append(_PLACEHOLDER.sub(fill, line))
    return "".join(out)


def _fragment(match: re.Match, *, fragments: Mapping[str, str], indent: str, owner: str) -> str:
    name = match.group(1)
    if name not in fragments:
        raise KeyError(
            f"{owner}: the docstring's placeholder %({name})s names none of the shared "
            f"fragments {sorted(fragments)}; add it to the mapping or fix the name."
        )
    first, *rest = textwrap.dedent(fragments[name]).strip("\n").split("\n")
    return "\n".join([first, *(indent + line if line.strip() else "" for line in rest)])


def doc_filler[T](fragments: Mapping[str, str]) -> Callable[[T], T]:
    """The decorator that fills a function's or class's docstring from ``fragments``.

    Parameters
    ----------
    fragments : mapping of str to str
        The shared texts by placeholder name (see :func:`fill_docstring`); copied, so later
        changes to the mapping do not reach the decorator.

    Returns
    -------
    fill_doc : callable
        ``fill_doc(obj)`` sets ``obj.__doc__`` to the filled docstring and returns ``obj``
        (a docstring stripped by ``python -OO`` is left as ``None``).

    Examples
    --------
    >>> fill_doc = doc_filler({"verbose": "verbose : bool\\n    Say what is done."})
    >>> @fill_doc
    ... def run(verbose=False):
    ...     '''Run.
    ...
    ...     Parameters
    ...     ----------
    ...     %(verbose)s
    ...     '''
    >>> print(run.__doc__.splitlines()[-2])
            Say what is done.
    """
    fragments = MappingProxyType(dict(fragments))

    def fill_doc(obj: T) -> T:
        if obj.__doc__:
            owner = getattr(obj, "__qualname__", type(obj).__name__)
            obj.__doc__ = fill_docstring(obj.__doc__, fragments, owner)
        return obj

    return fill_doc
