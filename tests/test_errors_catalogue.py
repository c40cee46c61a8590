"""The catalogue of bad inputs: each is refused with an exception of :mod:`s2decode.errors`
whose message names the file or argument at fault and says the fix (issue 16).

One entry per bad input: ``(id, make, expected type, what the message must name, fix words)``.
``make(tmp_path)`` builds the input (corrupt files are written into ``tmp_path``) and calls the
public function that must refuse it. ``python -m tests.test_errors_catalogue`` prints the
count and the entries; docs/errors.md lists the classes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from s2decode.errors import (
    DataFileError,
    DatasetNotFoundError,
    InvalidInputError,
    OutputError,
    PipelineError,
    S2DecodeError,
)


@dataclass(frozen=True)
class Entry:
    """One bad input of the catalogue."""

    id: str
    make: Callable[[Path], object]
    error: type[Exception]
    names: str  # regex: the file or argument the message must name ("{tmp}" = tmp_path)
    fix: str  # regex: the words of the fix the message must say


# --------------------------------------------------------------------------- helpers
def _trials(data=None, **kwargs):
    from s2decode import make_trials

    if data is None:
        data = np.random.default_rng(0).normal(size=(6, 3, 50))
    kwargs.setdefault("sfreq", 100.0)
    kwargs.setdefault("y", np.array([0, 1] * (len(data) // 2)))
    return make_trials(data, **kwargs)


def _raw(ch_names=("C3", "C4", "Cz"), data=None, annotations=()):
    import mne

    info = mne.create_info(list(ch_names), 100.0, "eeg")
    if data is None:
        data = np.random.default_rng(0).normal(scale=1e-5, size=(len(ch_names), 1000))
    raw = mne.io.RawArray(data, info, verbose=False)
    if annotations:
        onsets, descs = zip(*annotations, strict=True)
        raw.set_annotations(mne.Annotations(onsets, 0.1, descs))
    return raw


def _corrupt(tmp: Path, name: str, content: bytes = b"\x00garbage\xff" * 20) -> Path:
    path = tmp / name
    path.write_bytes(content)
    return path


def _truncated_nifti(tmp: Path) -> Path:
    import nibabel as nib

    path = tmp / "run-1_bold.nii"
    nib.save(nib.Nifti1Image(np.zeros((4, 4, 4, 10), np.float32), np.eye(4)), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _truncated_netcdf(tmp: Path) -> Path:
    from s2decode import SpikeTrains

    path = tmp / "spikes.nc"
    SpikeTrains.from_lists([[np.array([0.1, 0.2])]], 0.0, 1.0).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def _read_raw(path):
    from s2decode.io import read_raw

    return read_raw(path)


def _fmri(path):
    import pandas as pd

    from s2decode.io import fmri_to_trials

    events = pd.DataFrame({"onset": [0.0], "duration": [1.0], "trial_type": ["a"]})
    return fmri_to_trials(path, events, t_r=2.0)


def _read_nwb(path):
    from s2decode.io import read_nwb

    return read_nwb(path)


def _kramer_with(tmp: Path, content: bytes):
    from s2decode.datasets import load

    folder = tmp / "spikes" / "kramer"
    folder.mkdir(parents=True)
    (folder / "10_spikes-1.mat").write_bytes(content)
    return load("kramer_stn", data_dir=tmp)


def _spike_trains(trains, t_start=0.0, t_stop=1.0):
    from s2decode import SpikeTrains

    return SpikeTrains.from_lists(trains, t_start, t_stop)


def _pipeline(tmp: Path, text: str):
    from s2decode.pipeline import load_pipeline

    path = tmp / "study.yaml"
    path.write_text(text)
    return load_pipeline(path)


_GOOD_YAML = """\
name: study
dataset: {name: kramer_stn}
"""


def _decoder_fit(X, y, **kwargs):
    from s2decode import S2Decoder

    return S2Decoder(**kwargs).fit(X, y)


def _output_in_file(tmp: Path):
    from s2decode.pipeline.run import check_out_dir

    blocker = tmp / "results"
    blocker.write_text("not a folder")
    return check_out_dir(blocker / "study")


def _predictions_in_file(tmp: Path):
    from s2decode.pipeline.model import check_predictions_path

    blocker = tmp / "out"
    blocker.write_text("a file")
    return check_predictions_path(blocker / "predictions.csv")


# --------------------------------------------------------------------------- the catalogue
CATALOGUE = [
    # ---- files
    Entry(
        "edf-truncated",
        lambda t: _read_raw(_corrupt(t, "rec.edf", b"0       " + b" " * 80)),
        DataFileError,
        r"rec\.edf",
        r"complete, valid recording|re-export|download",
    ),
    Entry(
        "fif-corrupt",
        lambda t: _read_raw(_corrupt(t, "rec_raw.fif")),
        DataFileError,
        r"rec_raw\.fif",
        r"complete, valid recording|re-export|download",
    ),
    Entry(
        "nifti-truncated",
        lambda t: _fmri(_truncated_nifti(t)),
        DataFileError,
        r"run-1_bold\.nii",
        r"must be 4D NIfTI|re-export|download",
    ),
    Entry(
        "nwb-corrupt",
        lambda t: _read_nwb(_corrupt(t, "session.nwb")),
        DataFileError,
        r"session\.nwb",
        r"complete|download|re-export",
    ),
    Entry(
        "mat-corrupt",
        lambda t: _kramer_with(t, b"MATLAB 5.0 MAT-file" + b"\x00" * 50),
        DataFileError,
        r"10_spikes-1\.mat",
        r"fetch|download",
    ),
    Entry(
        "netcdf-truncated",
        lambda t: __import__("s2decode").SpikeTrains.load(_truncated_netcdf(t)),
        DataFileError,
        r"spikes\.nc",
        r"write it again|save",
    ),
    Entry(
        "unknown-extension",
        lambda t: _read_raw(_corrupt(t, "rec.xyz")),
        DataFileError,
        r"rec\.xyz",
        r"Supported are",
    ),
    # ---- samples
    Entry(
        "nan-samples",
        lambda t: __import__("s2decode").check_trials(
            _trials(np.where(np.eye(50)[:6, None, :] > 0, np.nan, 1.0).repeat(3, 1))
        ),
        InvalidInputError,
        r"`trials`",
        r"clean or drop",
    ),
    Entry(
        "inf-samples-decoder",
        lambda t: _decoder_fit(np.full((6, 3, 50), np.inf), [0, 1] * 3, sfreq=100.0),
        InvalidInputError,
        r"\bX\b",
        r"clean|drop|remove",
    ),
    Entry(
        "flat-channels",
        lambda t: _epochs_to_trials(_flat_epochs()),
        InvalidInputError,
        r"'C4'",
        r"bads|drop_channels",
    ),
    Entry(
        "duplicate-channel-names",
        lambda t: _trials(names=["C3", "C3", "Cz"], node_dim="channel"),
        InvalidInputError,
        r"`names`.*'C3'",
        r"rename|unique name",
    ),
    Entry(
        "y-length-mismatch",
        lambda t: _decoder_fit(np.ones((6, 3, 50)), [0, 1] * 4, sfreq=100.0),
        InvalidInputError,
        r"X has 6 trials, y has shape \(8,\)",
        r"one target .* per trial",
    ),
    # ---- events and labels
    Entry(
        "no-events",
        lambda t: __import__("s2decode.io", fromlist=["find_events"]).find_events(_raw()),
        InvalidInputError,
        r"No events",
        r"windows_from_raw|annotations",
    ),
    Entry(
        "unknown-event-id",
        lambda t: __import__("s2decode.io", fromlist=["find_events"]).find_events(
            _raw(annotations=[(1.0, "T1"), (2.0, "T2")]), ["T9"]
        ),
        InvalidInputError,
        r"'T9'.*`event_id`",
        r"annotations: \['T1', 'T2'\]|choose",
    ),
    Entry(
        "one-class-only",
        lambda t: _decoder_fit(np.ones((6, 3, 50)), [1] * 6, sfreq=100.0),
        InvalidInputError,
        r"\by\b",
        r"at least 2 classes",
    ),
    Entry(
        "fewer-trials-than-folds",
        lambda t: _too_few_for_folds(),
        InvalidInputError,
        r"cv\.n_splits=5.*subject 1",
        r"lower cv\.n_splits",
    ),
    # ---- atlas and data
    Entry(
        "atlas-other-shape",
        lambda t: _fmri_atlas_mismatch(t),
        InvalidInputError,
        r"atlas|labels",
        r"atlas in the runs' space",
    ),
    # ---- spike times
    Entry(
        "spikes-empty",
        lambda t: __import__("s2decode.io", fromlist=["x"]).spikes_to_trials([], tmin=0, tmax=1),
        InvalidInputError,
        r"`spikes`",
        r"give|pass|at least one",
    ),
    Entry(
        "spikes-unsorted",
        lambda t: __import__("s2decode").SpikeTrains(
            np.array([0.5, 0.1]), np.array([0, 2]), 1, 1, 0.0, 1.0
        ),
        InvalidInputError,
        r"trial 0, neuron 0",
        r"np\.sort",
    ),
    Entry(
        "spikes-duplicated",
        lambda t: _spike_trains([[np.array([0.1, 0.2, 0.2])]]),
        InvalidInputError,
        r"trial 0, neuron 0",
        r"np\.unique",
    ),
    Entry(
        "spikes-negative",
        lambda t: _spike_trains([[np.array([-0.1, 0.2])]]),
        InvalidInputError,
        r"-0\.1|t_start",
        r"t_start|crop",
    ),
    Entry(
        "spikes-out-of-trial",
        lambda t: _spike_trains([[np.array([0.1, 1.5])]]),
        InvalidInputError,
        r"1\.5|t_stop",
        r"t_stop|crop",
    ),
    Entry(
        "spikes-non-finite",
        lambda t: __import__("s2decode.io", fromlist=["x"]).spikes_to_trials(
            [[np.array([0.1, np.nan])]], tmin=0, tmax=1
        ),
        InvalidInputError,
        r"`spikes`",
        r"drop|remove",
    ),
    # ---- shapes and dtypes
    Entry(
        "data-2d",
        lambda t: _trials(np.zeros((6, 50))),
        InvalidInputError,
        r"`data`",
        r"n_trials, n_nodes, n_times",
    ),
    Entry(
        "data-object-dtype",
        lambda t: _trials(np.array([[[1, "a"]]] * 6, dtype=object)),
        InvalidInputError,
        r"`data`",
        r"astype|numbers",
    ),
    Entry(
        "data-complex",
        lambda t: _trials(np.ones((6, 3, 50), complex)),
        InvalidInputError,
        r"`data`",
        r"np\.abs|\.real",
    ),
    Entry(
        "data-zero-length-axis",
        lambda t: _trials(np.ones((6, 3, 0))),
        InvalidInputError,
        r"`data`.*time",
        r"at least one",
    ),
    Entry(
        "data-negative-sfreq",
        lambda t: _trials(sfreq=-100.0),
        InvalidInputError,
        r"`sfreq`",
        r"positive number of Hz",
    ),
    Entry(
        "decoder-4d-input",
        lambda t: _decoder_fit(np.ones((6, 3, 50, 2)), [0, 1] * 3, sfreq=100.0),
        InvalidInputError,
        r"\bX\b",
        r"2-D|3-D",
    ),
    Entry(
        "sampling-rates-differ",
        lambda t: __import__("s2decode.pipeline.run", fromlist=["x"]).concat_subjects(
            _trials(sfreq=100.0), _trials(sfreq=250.0)
        ),
        InvalidInputError,
        r"sfreq|100.*250",
        r"resample",
    ),
    # ---- datasets
    Entry(
        "unknown-dataset",
        lambda t: __import__("s2decode.datasets", fromlist=["x"]).load("no_such_data"),
        InvalidInputError,
        r"'no_such_data'",
        r"s2decode datasets",
    ),
    Entry(
        "data-dir-without-dataset",
        lambda t: __import__("s2decode.datasets", fromlist=["x"]).load("kramer_stn", data_dir=t),
        DatasetNotFoundError,
        r"'kramer_stn'.*{tmp}",
        r"s2decode fetch kramer_stn",
    ),
    # ---- pipelines
    Entry(
        "yaml-malformed",
        lambda t: _pipeline(t, "name: study\ndataset: {name: kramer_stn\n"),
        PipelineError,
        r"study\.yaml",
        r"line \d+",
    ),
    Entry(
        "yaml-unknown-key",
        lambda t: _pipeline(t, _GOOD_YAML + "decodr: {}\n"),
        PipelineError,
        r"study\.yaml: decodr",
        r"did you mean 'decoder'",
    ),
    Entry(
        "yaml-out-of-range",
        lambda t: _pipeline(t, _GOOD_YAML + "cv: {n_splits: 1}\n"),
        PipelineError,
        r"study\.yaml: cv\.n_splits",
        r"greater than or equal to 2|>= 2",
    ),
    Entry(
        "yaml-not-a-mapping",
        lambda t: _pipeline(t, "- just\n- a list\n"),
        PipelineError,
        r"study\.yaml",
        r"mapping",
    ),
    # ---- outputs
    Entry(
        "output-folder-under-a-file",
        _output_in_file,
        OutputError,
        r"results",
        r"give|another folder",
    ),
    Entry(
        "predictions-under-a-file",
        _predictions_in_file,
        OutputError,
        r"predictions\.csv",
        r"is a file",
    ),
    Entry(
        "model-file-truncated",
        lambda t: __import__("s2decode").load_model(_corrupt(t, "model.skops")),
        DataFileError,
        r"model\.skops",
        r"s2decode fit",
    ),
]


# --------------------------------------------------------------------------- builders used above
def _flat_epochs():
    import mne

    data = np.random.default_rng(0).normal(scale=1e-5, size=(3, 1000))
    data[1] = 0.0
    raw = _raw(("C3", "C4", "Cz"), data, annotations=[(1.0, "a"), (3.0, "b"), (5.0, "a")])
    events, event_id = mne.events_from_annotations(raw, verbose=False)
    return mne.Epochs(raw, events, event_id, 0, 0.5, baseline=None, preload=True, verbose=False)


def _epochs_to_trials(epochs):
    from s2decode.io import epochs_to_trials

    return epochs_to_trials(epochs)


def _too_few_for_folds():
    from s2decode.pipeline import PipelineSpec
    from s2decode.pipeline.run import plan_splits

    spec = PipelineSpec.from_dict({"name": "s", "dataset": {"name": "kramer_stn"}})
    y = np.array([0, 1, 0, 1])
    info = {"1": {"y": y, "groups": np.zeros(4, int), "shape": (4, 3, 50)}}
    return plan_splits(spec, ["1"], info)


def _fmri_atlas_mismatch(tmp: Path):
    import nibabel as nib
    import pandas as pd

    from s2decode.io import fmri_to_trials

    run = nib.Nifti1Image(np.random.default_rng(0).normal(size=(4, 4, 4, 20)), np.eye(4))
    atlas = tmp / "labels.nii.gz"
    nib.save(nib.Nifti1Image(np.ones((5, 5, 5), np.int16), np.diag([40, 40, 40, 1])), atlas)
    events = pd.DataFrame({"onset": [0.0], "duration": [2.0], "trial_type": ["a"]})
    return fmri_to_trials(run, events, t_r=2.0, atlas=str(atlas))


IDS = [e.id for e in CATALOGUE]


@pytest.mark.parametrize("entry", CATALOGUE, ids=IDS)
def test_bad_input_is_refused(entry: Entry, tmp_path: Path):
    with pytest.raises(S2DecodeError) as info:
        entry.make(tmp_path)
    err = info.value
    message = str(err)
    assert isinstance(err, entry.error), f"{type(err).__name__}: {message}"
    names = entry.names.replace("{tmp}", re.escape(str(tmp_path)))
    assert re.search(names, message, re.S), f"the message names no {entry.names!r}: {message}"
    assert re.search(entry.fix, message, re.S), f"the message says no fix {entry.fix!r}: {message}"


def test_catalogue_is_large_and_unique():
    assert len(IDS) >= 30
    assert len(set(IDS)) == len(IDS)


def test_every_documented_class_is_exported_and_builtin():
    import s2decode

    for name in ("InvalidInputError", "DataFileError", "DatasetNotFoundError", "PipelineError"):
        cls = getattr(s2decode, name)
        assert issubclass(cls, s2decode.S2DecodeError) and issubclass(cls, ValueError | OSError)
    assert issubclass(s2decode.OutputError, OSError)
    assert issubclass(s2decode.MemoryBudgetError, MemoryError)
    docs = (Path(__file__).parents[1] / "docs" / "errors.md").read_text()
    for name in s2decode.errors.__all__:
        assert f"`{name}`" in docs, f"docs/errors.md does not list {name}"


if __name__ == "__main__":  # python -m tests.test_errors_catalogue
    print(f"{len(CATALOGUE)} bad inputs in the catalogue:")
    for e in CATALOGUE:
        print(f"  {e.id:34s} -> {e.error.__name__}")
