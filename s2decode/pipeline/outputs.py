"""The layout of a pipeline run's output folder, shared by the runner and the report.

:mod:`s2decode.pipeline.run` writes the folder (``docs/report.md`` lists its files) and
:mod:`s2decode.pipeline.report` reads it; what makes a folder "a run's output" and what the
per-subject feature files are called is decided here, once.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["FEATURES_DIR", "OUTPUT_MARKERS", "features_file_name", "is_run_output"]

#: Files that mark a folder as the output of a pipeline run: a run always writes both, and a
#: folder holding either is taken for one (safe to replace as a whole, or to report on).
OUTPUT_MARKERS = ("summary.json", "scores.csv")
#: Sub-folder of the out-of-fold S2 features, one netCDF file per scored subject.
FEATURES_DIR = "features"


def is_run_output(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` is the output folder of a pipeline run.

    Parameters
    ----------
    folder : path-like
        Any path.

    Returns
    -------
    answer : bool
        ``True`` where ``folder`` is a directory holding one of :data:`OUTPUT_MARKERS`
        (``summary.json``, ``scores.csv``) as a file.
    """
    path = Path(folder)
    return path.is_dir() and any((path / name).is_file() for name in OUTPUT_MARKERS)


def features_file_name(subject: str, dataset: str) -> str:
    """File name of a subject's out-of-fold S2 features in ``features/``.

    Parameters
    ----------
    subject : str
        A subject id of :func:`~s2decode.pipeline.data.dataset_subjects`.
    dataset : str
        The pipeline's dataset name.

    Returns
    -------
    name : str
        ``"<subject>.nc"`` (``"03.nc"``); for the pseudo-subject of a dataset without
        subjects (:data:`~s2decode.pipeline.data.NO_SUBJECT`, ``"-"``, which a shell would
        read as an option), ``"<dataset>.nc"`` (``"synthetic.nc"``). The file's
        ``attrs["subject"]`` and the ``subject`` column of ``scores.csv`` keep the id.
    """
    from .data import NO_SUBJECT

    return f"{dataset if subject == NO_SUBJECT else subject}.nc"
