"""Reading pipeline files: YAML 1.2 numbers, no repeated keys, one-line errors.

:func:`read_pipeline_file` returns the parsed mapping of a file or raises
:class:`~s2decode.pipeline.errors.PipelineError` naming it; validation is
:meth:`s2decode.pipeline.spec.PipelineSpec.from_dict` (:func:`~s2decode.pipeline.load_pipeline`
does both).
"""

from __future__ import annotations

import os
import re
from typing import Any

import yaml

from .errors import PipelineError

__all__ = ["read_pipeline_file"]


class _SpecLoader(yaml.SafeLoader):
    """SafeLoader that reads ``1e-3`` as a float (YAML 1.2; PyYAML's YAML 1.1 reads a
    string) and refuses a key given twice in a mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found the key {key!r} twice",
                        key_node.start_mark,
                    )
                seen.add(key)
            except TypeError:  # an unhashable key: the base class says so
                pass
        return super().construct_mapping(node, deep=deep)


_SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def read_pipeline_file(path: str | os.PathLike) -> Any:
    """The parsed YAML of a pipeline file (safe loading only).

    Parameters
    ----------
    path : path-like
        A YAML pipeline file (``pipelines/*.yaml``).

    Returns
    -------
    data : Any
        What the file holds (a mapping, for a pipeline); not validated.

    Raises
    ------
    PipelineError
        If the file is missing, unreadable, empty, not UTF-8 text, nested too deeply or not
        YAML (the message names the file and, for YAML errors, the line and column).
    """
    source = str(path)
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.load(f, Loader=_SpecLoader)  # a SafeLoader subclass
    except FileNotFoundError:
        raise PipelineError(source, [("", "no such file")]) from None
    except OSError as err:
        raise PipelineError(source, [("", f"cannot be read ({err.strerror or err})")]) from None
    except yaml.YAMLError as err:
        raise PipelineError(source, [("", f"is not valid YAML: {_yaml_problem(err)}")]) from None
    except UnicodeDecodeError as err:
        raise PipelineError(
            source,
            [
                (
                    "",
                    f"is not UTF-8 text (byte 0x{err.object[err.start]:02x} at position "
                    f"{err.start}); save it as UTF-8",
                )
            ],
        ) from None
    except RecursionError:
        raise PipelineError(
            source, [("", "is nested too deeply to be a pipeline (lists or mappings in lists)")]
        ) from None
    if data is None:
        raise PipelineError(source, [("", "the file is empty; a pipeline needs name and dataset")])
    return data


def _yaml_problem(err: yaml.YAMLError) -> str:
    """A YAML error on one line: what and where (PyYAML's own text spans several lines)."""
    if isinstance(err, yaml.MarkedYAMLError) and err.problem_mark is not None:
        mark = err.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}"
        context = f" {err.context}" if err.context else ""
        return f"{err.problem}{context} ({where})"
    return " ".join(str(err).split())
