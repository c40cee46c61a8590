"""The exceptions s2decode raises for a user's mistake: one small hierarchy.

Every error that a bad input, file, dataset, pipeline or output folder causes is an instance
of :class:`S2DecodeError`, and *also* of the built-in exception that fits it (as
scikit-learn's ``NotFittedError`` is both a ``ValueError`` and an ``AttributeError``), so
that code written against the built-ins (``except ValueError``) keeps working::

    S2DecodeError
    ├── InvalidInputError     (ValueError)          an array, spike train or argument
    ├── DataFileError         (ValueError)          a file that cannot be read as what it claims
    ├── DatasetNotFoundError  (FileNotFoundError)   the data directory lacks the dataset
    ├── PipelineError         (ValueError)          a pipeline file that does not validate
    ├── OutputError           (OSError)             an output that cannot be written
    └── MemoryBudgetError     (MemoryError)         work refused before allocating too much

Each message names the argument or file and says the fix. docs/errors.md lists what raises
each class. (Type errors of a wrong kind of object, e.g. a list where a DataArray is needed,
stay plain ``TypeError``, as in scikit-learn.)
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "DataFileError",
    "DatasetNotFoundError",
    "InvalidInputError",
    "MemoryBudgetError",
    "OutputError",
    "PipelineError",
    "S2DecodeError",
]


class S2DecodeError(Exception):
    """Base class of every error s2decode raises for a user's mistake.

    Its message names the argument, file or key at fault and says the fix; the command line
    prints it alone, on one line (no traceback).

    Examples
    --------
    >>> import s2decode
    >>> try:
    ...     s2decode.make_trials([[[0.0]]], sfreq=-1)
    ... except s2decode.S2DecodeError as err:
    ...     print(type(err).__name__, isinstance(err, ValueError))
    InvalidInputError True
    """


class InvalidInputError(S2DecodeError, ValueError):
    """An array, spike train or argument that s2decode cannot use.

    Raised by the shared checks (:mod:`s2decode._checks`): NaN or infinite samples, wrong
    shapes, dtypes or empty axes, unsorted or negative spike times, values out of range,
    options not among those allowed, labels that cannot be cross-validated.
    """


class DataFileError(S2DecodeError, ValueError):
    """A file that exists but cannot be read as what it should be.

    A truncated or corrupt recording (EDF, FIF, NIfTI, NWB, MAT, netCDF), a table without the
    columns it needs, a model file that is not s2decode's.
    """


class DatasetNotFoundError(S2DecodeError, FileNotFoundError):
    """The data directory does not hold the dataset (the message says how to fetch it)."""


class OutputError(S2DecodeError, OSError):
    """An output (folder or file) that cannot be written: not writable, or the disk is full.

    The message names the path, says that earlier results there are intact, and the fix.
    """


class MemoryBudgetError(S2DecodeError, MemoryError):
    """Work refused before allocation because it would need more memory than allowed.

    The message says how much it needed and how to make the work smaller.
    """


class PipelineError(S2DecodeError, ValueError):
    """A pipeline that does not validate: one line per problem.

    Parameters
    ----------
    source : str
        The file (or ``"<dict>"``) the pipeline came from.
    errors : sequence of (str, str)
        ``(dotted key, message)`` pairs; an empty key is a problem of the whole file.

    Attributes
    ----------
    source : str
    errors : list of (str, str)
    """

    def __init__(self, source: str, errors: Sequence[tuple[str, str]]):
        self.source = str(source)
        self.errors = [(str(k), str(m)) for k, m in errors]
        lines = [f"{self.source}: {k}: {m}" if k else f"{self.source}: {m}" for k, m in self.errors]
        super().__init__("\n".join(lines))

    def __reduce__(self):
        # exceptions pickle their args; this one is built from (source, errors)
        return (type(self), (self.source, self.errors))
