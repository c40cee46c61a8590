"""Train once, apply later: ``fit_model`` / ``save_model`` / ``load_model`` and ``s2decode fit``
/ ``s2decode predict`` on small generated data (offline)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
import yaml

import s2decode
from s2decode.cli import main
from s2decode.pipeline import PipelineError
from s2decode.pipeline.data import load_subject
from s2decode.pipeline.model import (
    TRUSTED_TYPES,
    IncompatibleModelError,
    ModelFileError,
    PipelineModel,
    compatible_version,
    fit_model,
    load_model,
    model_info,
    save_model,
    write_predictions,
)
from s2decode.pipeline.spec import PipelineSpec

ROOT = Path(__file__).resolve().parents[1]


def _tiny() -> dict:
    """The quickstart pipeline, small: 12 trials of 0.3 s, two feature sets."""
    spec = yaml.safe_load((ROOT / "pipelines" / "quickstart.yaml").read_text())
    spec["dataset"]["options"].update(n_trials=12, duration=0.3)
    spec["cv"]["n_splits"] = 2
    spec["features"]["sets"] = ["rates", "plv"]
    return spec


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A model fitted in this process, its file, and new trials (another generator seed)."""
    base = tmp_path_factory.mktemp("model")
    pipeline = base / "tiny.yaml"
    pipeline.write_text(yaml.safe_dump(_tiny()))
    model = fit_model(pipeline, log=None)
    path = save_model(model, base / "model.skops")
    new = load_subject(model.reading_spec(options={"seed": 1}), "-")
    return model, path, pipeline, new


def test_a_reloaded_model_predicts_exactly_as_the_fitted_one(fitted):
    model, path, _, new = fitted
    loaded = s2decode.load_model(path)
    assert isinstance(loaded, PipelineModel) and loaded.path == path
    np.testing.assert_array_equal(loaded.predict_proba(new), model.predict_proba(new))
    np.testing.assert_array_equal(loaded.predict(new), model.predict(new))
    # new trials, not the training ones: the generator's seed changed the values
    train = load_subject(model.spec, "-")
    assert not np.allclose(train.values, new.values)
    # the same pipeline, the same classes
    assert loaded.spec == model.spec
    np.testing.assert_array_equal(loaded.classes_, ["default", "sensorimotor"])


def test_the_file_records_what_reading_new_data_needs(fitted):
    model, path, pipeline, _ = fitted
    info = model_info(path)
    assert info["s2decode_version"] == s2decode.__version__
    assert info["dataset"] == "synthetic" and info["subjects"] == ["-"]
    assert info["loader_options"]["n_trials"] == 12
    assert info["loader_options"]["atlas"] == "dosenbach160"
    assert info["preprocessing"] == {} and info["input"] == "trials"
    assert info["n_trials"] == 12 and info["classes"] == ["default", "sensorimotor"]
    assert info["trials"]["node_dim"] == "parcel" and len(info["trials"]["nodes"]) == 160
    assert info["source"] == str(pipeline)
    assert PipelineSpec.from_dict(yaml.safe_load(info["pipeline"])) == model.spec
    # only s2decode's own types need trusting, each one listed
    assert set(sio.get_untrusted_types(file=path)) <= set(TRUSTED_TYPES)
    # the model is the pipeline's S2 row: its final estimator and feature-set choice
    assert model.estimator.get_params()["select_features"] is True
    assert set(model.estimator.feature_sets_) <= {"rates", "plv"}


def test_cli_fit_and_predict_round_trip(fitted, tmp_path, capsys):
    model, _, pipeline, new = fitted
    saved = tmp_path / "cli.skops"
    assert main(["fit", str(pipeline), "--save", str(saved), "--quiet"]) == 0
    assert "fitted on 12 trials" in capsys.readouterr().out
    again = load_model(saved)
    # the command fits the same model as the Python API (every draw from the seed)
    np.testing.assert_array_equal(
        again.estimator.featurizer_.scaffold_.weights, model.estimator.featurizer_.scaffold_.weights
    )
    np.testing.assert_array_equal(again.estimator.columns_, model.estimator.columns_)
    np.testing.assert_allclose(
        again.estimator.estimator_[-1].coef_, model.estimator.estimator_[-1].coef_, rtol=0
    )

    out = tmp_path / "predictions.csv"
    args = ["predict", str(saved), "-o", "seed=1", "--out", str(out), "--quiet"]
    assert main(args) == 0
    assert "12 trials of 1 subject(s) predicted" in capsys.readouterr().out
    table = pd.read_csv(out, dtype={"subject": str})
    expected = model.predict_table(new, "-")
    assert list(table.columns) == list(expected.columns)
    assert list(table.columns) == [
        "subject", "trial", "group", "y_true", "y_pred", "proba_default", "proba_sensorimotor"
    ]  # fmt: skip
    np.testing.assert_array_equal(table["y_pred"], expected["y_pred"])
    np.testing.assert_array_equal(table["y_true"], np.asarray(new["y"].values).astype(str))
    np.testing.assert_allclose(table["proba_default"], expected["proba_default"], rtol=1e-15)
    assert not list(tmp_path.glob(".*.part"))  # atomic: no temporary file left


def test_a_model_of_another_release_series_is_refused(fitted, tmp_path, capsys):
    model, _, _, _ = fitted
    meta = {**model.metadata, "s2decode_version": "0.2.0"}
    path = save_model(PipelineModel(model.estimator, model.spec, meta), tmp_path / "old.skops")
    with pytest.raises(IncompatibleModelError) as info:
        load_model(path)
    message = str(info.value)
    assert "0.2.0" in message and s2decode.__version__ in message and str(path) in message
    assert "s2decode fit" in message and "s2decode==0.2.*" in message
    # the command line: one line, exit status 2
    assert main(["predict", str(path), "--out", str(tmp_path / "p.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "0.2.0" in err[0] and err[0].startswith("s2decode predict: error:")
    # refused before anything is loaded: the same happens with a type nobody trusts
    from sklearn.preprocessing import FunctionTransformer

    evil = tmp_path / "evil.skops"
    evil.write_bytes(
        sio.dumps({"metadata": json.dumps(meta), "estimator": FunctionTransformer(np.asarray)})
    )
    with pytest.raises(IncompatibleModelError):
        load_model(evil)


def test_compatible_versions():
    assert compatible_version("0.1.0.dev0", "0.1.3")
    assert compatible_version("1.4.0", "1.4.2rc1")
    assert not compatible_version("0.1.0", "0.2.0")
    assert not compatible_version("1.4.0", "2.4.0")
    assert not compatible_version("not a version", "0.1.0")


def test_untrusted_types_are_refused(fitted, tmp_path):
    model, _, _, _ = fitted
    path = tmp_path / "foreign.skops"
    from sklearn.preprocessing import FunctionTransformer

    blob = {"metadata": json.dumps(model.metadata), "estimator": FunctionTransformer(np.asarray)}
    path.write_bytes(sio.dumps(blob))
    with pytest.raises(ModelFileError, match=r"numpy\.asarray.*Nothing was loaded"):
        load_model(path)


def test_bad_model_paths_are_one_line_naming_the_file(tmp_path, capsys):
    missing = tmp_path / "nope.skops"
    text = tmp_path / "notes.skops"
    text.write_text("not a model")
    plain = tmp_path / "plain.skops"
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    plain.write_bytes(sio.dumps(LinearDiscriminantAnalysis()))
    folder = tmp_path / "folder"
    folder.mkdir()
    for path, error, words in (
        (missing, FileNotFoundError, "no such model file"),
        (text, ModelFileError, "not a skops file"),
        (plain, ModelFileError, "without s2decode's metadata"),
        (folder, IsADirectoryError, "is a folder"),
    ):
        with pytest.raises(error, match=words):
            load_model(path)
        assert main(["predict", str(path), "--out", str(tmp_path / "p.csv")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1, err
        assert str(path) in err[0] and words in err[0]
    # a skops file of someone else's zip layout
    with zipfile.ZipFile(tmp_path / "other.skops", "w") as archive:
        archive.writestr("schema.json", json.dumps({"content": {"metadata": 3}}))
    with pytest.raises(ModelFileError, match="without s2decode's metadata"):
        load_model(tmp_path / "other.skops")


def test_bad_output_paths_fail_before_any_work(tmp_path, capsys):
    pipeline = tmp_path / "tiny.yaml"
    pipeline.write_text(yaml.safe_dump(_tiny()))
    folder = tmp_path / "models"
    folder.mkdir()
    # --save a folder: refused before fitting (no data read, no time spent)
    assert main(["fit", str(pipeline), "--save", str(folder)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(folder) in err[0] and "is a folder" in err[0]
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["fit", str(pipeline), "--save", str(blocker / "m.skops")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(blocker) in err[0] and "not a folder" in err[0]
    # --out of another format: refused before the model is read
    assert main(["predict", str(tmp_path / "missing.skops"), "--out", "p.xlsx"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "p.xlsx" in err[0] and ".csv or .parquet" in err[0]
    # a pipeline file that is not there
    assert main(["fit", str(tmp_path / "none.yaml"), "--save", str(tmp_path / "m.skops")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "none.yaml" in err[0]


def test_reading_options_and_subjects_are_checked(fitted):
    model, _, _, _ = fitted
    with pytest.raises(
        PipelineError, match=r"dataset\.subjects: dataset 'synthetic' has no subjects"
    ):
        model.reading_spec(subjects=[1])
    with pytest.raises(PipelineError, match=r"dataset\.options\.n_trail.*did you mean 'n_trials'"):
        model.reading_spec(options={"n_trail": 3})
    # the preprocessing and the pipeline's other keys stay the model's
    spec = model.reading_spec(options={"seed": 5})
    assert spec.dataset.options["seed"] == 5 and spec.features == model.spec.features


def test_other_nodes_are_refused_with_the_fix(fitted):
    model, _, _, new = fitted
    fewer = new.isel(parcel=slice(0, 10))
    with pytest.raises(
        ValueError, match=r"10 parcel.*fitted on 160 parcel.*as the model's pipeline"
    ):
        model.predict(fewer)


def test_epochs_input_is_refused_before_reading_data():
    data = _tiny()
    data["dataset"]["options"] = {"design": "evoked", "n_trials": 12, "duration": 0.5}
    data["features"]["input"] = "epochs"
    spec = PipelineSpec.from_dict(data, source="evoked.yaml")
    with pytest.raises(PipelineError, match=r"features\.input: 'epochs' keeps MNE's"):
        fit_model(spec, log=None)


def test_predictions_tables_as_csv_and_parquet(tmp_path):
    table = pd.DataFrame(
        {
            "subject": ["03", "03", "10"],
            "trial": [0, 1, 0],
            "y_true": ["left", "right", "left"],
            "y_pred": ["left", "left", "left"],
            "proba_left": [0.9, 0.51, 1 / 3],
        }
    )
    csv = write_predictions(table, tmp_path / "p.csv")
    parquet = write_predictions(table, tmp_path / "sub" / "p.parquet")
    from_csv = pd.read_csv(csv, dtype={"subject": str})
    pd.testing.assert_frame_equal(pd.read_parquet(parquet), from_csv, check_dtype=False)
    assert pd.read_parquet(parquet)["subject"].tolist() == ["03", "03", "10"]
    with pytest.raises(ValueError, match=r"p\.txt.*\.csv or \.parquet"):
        write_predictions(table, tmp_path / "p.txt")
