"""MOABB's PhysionetMI protocol on the eegbci recordings of the data directory.

MOABB's ``WithinSessionEvaluation`` (5-fold stratified, shuffled with ``random_state=0``)
of imagined movements of the PhysioNet EEG Motor Movement/Imagery dataset, read by MOABB's
own ``PhysionetMI`` from the data directory's files (``S2DECODE_DATA``, offline:
:func:`s2decode.datasets.eegbci.link_mne_layout` shows them to MNE and MOABB, and MOABB's
NEMAR mirror is off), three two-class tasks, each scored by ROC-AUC as MOABB scores two
classes:

- ``left_right``: left vs right hand (``LeftRightImagery``, runs 4, 8, 12);
- ``right_hand_feet``: right hand vs feet (``MotorImagery(events=["right_hand", "feet"])``,
  the right-hand cues of runs 4, 8, 12 against the feet cues of runs 6, 10, 14);
- ``hands_feet``: both hands vs feet (``MotorImagery(events=["hands", "feet"])``, runs 6,
  10, 14).

The paradigms keep MOABB's defaults (band-pass 8-32 Hz, 0-3 s after the cue, 160 Hz, all
64 electrodes). On the same folds (one ``evaluation.process`` call): MOABB's pipelines of
its published benchmark, written out as its pipeline files give them (``CSP.yml``,
``TSSVM.yml``, ``FgMDM.yml``: OAS covariances, then CSP with 6 filters + LDA, tangent space
+ linear SVM, or FgMDM), and S2Decoder on the same arrays with the channels' info
(``info=``; MOABB's arrays are in microvolts, which S2Decoder's per-node standardisation
does not see), with the standard bands 7-13, 13-20 and 20-30 Hz inside the paradigm's
8-32 Hz (as the decoding benchmark's eegbci tasks) and every other parameter at its default.

Next to them, MOABB's published within-session scores on the same dataset for 109 subjects
(left/right: FgMDM 0.685, TS + SVM 0.682, CSP + LDA 0.658; right hand/feet: TS + SVM 0.943).
The data directory holds S001 only: one subject's score is no estimate of the mean of 109
(across subjects these scores spread by tens of points).

Run: ``python benchmarks/moabb_physionet.py`` (about 10 minutes on 2 cores, most of it
S2Decoder); ``--out FILE`` also writes the table as Markdown, with the machine and commit.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
from decoding import machine_description  # noqa: E402

#: task -> (description, MOABB paradigm class name, its keyword arguments)
TASKS = {
    "left_right": ("left vs right hand", "LeftRightImagery", {}),
    "right_hand_feet": (
        "right hand vs feet",
        "MotorImagery",
        {"events": ["right_hand", "feet"], "n_classes": 2},
    ),
    "hands_feet": (
        "both hands vs feet",
        "MotorImagery",
        {"events": ["hands", "feet"], "n_classes": 2},
    ),
}
#: MOABB's published within-session ROC-AUC on PhysionetMI, 109 subjects (issue 15 quotes).
PUBLISHED = {
    ("left_right", "FgMDM"): 0.685,
    ("left_right", "TS + SVM"): 0.682,
    ("left_right", "CSP + LDA"): 0.658,
    ("right_hand_feet", "TS + SVM"): 0.943,
}
#: The pipelines, in the order of the table.
PIPELINES = ("CSP + LDA", "TS + SVM", "FgMDM", "S2Decoder")
#: The S2Decoder bands: the standard ones inside the paradigm's 8-32 Hz.
BANDS = ((7, 13), (13, 20), (20, 30))


def offline_moabb(data_dir: str | None) -> None:
    """Point MNE and MOABB at the data directory's eegbci files, offline, and keep MOABB's
    folders out of the home folder (a temporary ``MNE_DATA``)."""
    from s2decode.datasets.eegbci import link_mne_layout

    tmp = Path(tempfile.mkdtemp(prefix="s2decode-moabb-"))
    os.environ["MNE_DATASETS_EEGBCI_PATH"] = str(link_mne_layout(tmp / "eegbci", data_dir))
    os.environ["MNE_DATA"] = str(tmp / "mne_data")
    os.environ["MOABB_DOWNLOAD_PROVIDER"] = "upstream"  # no NEMAR mirror: the files are here


def moabb_pipelines(info) -> dict:
    """MOABB's CSP + LDA, TS + SVM and FgMDM (its pipeline files), and S2Decoder."""
    from pyriemann.classification import FgMDM
    from pyriemann.estimation import Covariances
    from pyriemann.spatialfilters import CSP
    from pyriemann.tangentspace import TangentSpace
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    from s2decode.estimators import S2Decoder

    return {
        "CSP + LDA": make_pipeline(
            Covariances("oas"), CSP(nfilter=6), LinearDiscriminantAnalysis(solver="svd")
        ),
        "TS + SVM": make_pipeline(
            Covariances("oas"), TangentSpace(metric="riemann"), SVC(kernel="linear")
        ),
        "FgMDM": make_pipeline(Covariances("oas"), FgMDM(metric="riemann")),
        "S2Decoder": S2Decoder(info=info, bands=BANDS, random_state=0),
    }


def run_task(task: str, subjects: list[int], hdf5_path: str) -> pd.DataFrame:
    """MOABB's within-session results of every pipeline on one task."""
    from moabb import paradigms
    from moabb.datasets import PhysionetMI
    from moabb.evaluations import WithinSessionEvaluation

    _, paradigm_name, kwargs = TASKS[task]
    paradigm = getattr(paradigms, paradigm_name)(**kwargs)
    dataset = PhysionetMI(imagined=True, subjects=subjects)
    # the channels and rate of the arrays MOABB passes (the same for every subject)
    epochs, _, _ = paradigm.get_data(dataset, subjects=subjects[:1], return_epochs=True)
    evaluation = WithinSessionEvaluation(
        paradigm=paradigm,
        datasets=[dataset],
        overwrite=True,
        hdf5_path=hdf5_path,
        random_state=0,
        suffix=task,
    )
    results = evaluation.process(moabb_pipelines(epochs.info))
    results.insert(0, "task", task)
    return results


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """One row per task and pipeline: mean ROC-AUC over subjects and sessions, the published
    109-subject mean, and the mean fit time per fold."""
    rows = []
    order = {name: i for i, name in enumerate(PIPELINES)}
    results = results.sort_values(
        ["task", "pipeline"],
        key=lambda col: col.map(order) if col.name == "pipeline" else col.map(list(TASKS).index),
        kind="stable",
    )
    for (task, pipeline), part in results.groupby(["task", "pipeline"], sort=False):
        rows.append(
            {
                "task": task,
                "pipeline": pipeline,
                "subjects": part["subject"].nunique(),
                "trials": int(part["samples"].iloc[0]),
                "ROC-AUC": float(part["score"].mean()),
                "MOABB, 109 subjects": PUBLISHED.get((task, pipeline), np.nan),
                "fit time (s)": float(part["time"].mean()),
            }
        )
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame, machine: dict, command: str, wall: float) -> str:
    lines = [
        "# MOABB's PhysionetMI protocol on the data directory's eegbci subjects",
        "",
        f"- command: `{command}`; wall time {wall / 60:.1f} min",
        f"- machine: {machine['cpu']} ({machine['cpu flags']}), {machine['cores']} cores; "
        f"git commit {machine['git commit']}",
        "- within-session 5-fold ROC-AUC; MOABB's published column is the mean over its 109 "
        "subjects, not a figure for these subjects: one subject is not 109",
        "- fit time: MOABB's mean time of one fit, on cores shared with other work",
        "",
        "| task | pipeline | subjects | trials | ROC-AUC | MOABB, 109 subjects | fit time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples(index=False):
        published = "" if np.isnan(row[5]) else f"{row[5]:.3f}"
        lines.append(
            f"| {row.task} | {row.pipeline} | {row.subjects} | {row.trials} | {row[4]:.3f} | "
            f"{published} | {row[6]:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="data directory (default S2DECODE_DATA)")
    parser.add_argument("--subjects", type=int, nargs="+", default=[1])
    parser.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS))
    parser.add_argument("--out", type=Path, default=None, help="also write Markdown here")
    args = parser.parse_args(argv)

    import mne

    offline_moabb(args.data_dir)
    mne.set_log_level("ERROR")
    import moabb

    moabb.set_log_level("ERROR")
    warnings.filterwarnings("ignore", category=FutureWarning)  # MOABB's montage name
    machine = machine_description()
    start = time.perf_counter()
    hdf5_path = tempfile.mkdtemp(prefix="s2decode-moabb-results-")
    parts = []
    for task in args.tasks:
        t0 = time.perf_counter()
        parts.append(run_task(task, args.subjects, hdf5_path))
        print(f"{task}: {time.perf_counter() - t0:.0f} s", flush=True)
    wall = time.perf_counter() - start
    table = summary(pd.concat(parts, ignore_index=True))
    command = "python benchmarks/moabb_physionet.py " + " ".join(argv or sys.argv[1:])
    text = markdown(table, machine, command.strip(), wall)
    print(text)
    if args.out is not None:
        from s2decode._io_utils import atomic_write_text

        atomic_write_text(args.out, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
