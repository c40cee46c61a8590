"""The pipeline schema (s2decode.pipeline.spec): shipped files, error messages, fingerprint."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sklearn.base import clone

from s2decode.estimators import DEFAULT_FEATURES, S2Featurizer, default_classifier
from s2decode.net import S2NetConfig
from s2decode.pipeline.spec import PipelineError, PipelineSpec, load_pipeline

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "pipelines").glob("*.yaml"))
BASE = {"name": "t", "dataset": {"name": "synthetic", "options": {"n_trials": 20}}}


def _spec(**changes) -> PipelineSpec:
    """BASE with top-level keys replaced or, for ``section__key``, set inside a section."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if name:
            data.setdefault(section, {})[name] = value
        else:
            data[section] = value
    return PipelineSpec.from_dict(data, source="p.yaml")


def _errors(**changes) -> list[tuple[str, str]]:
    with pytest.raises(PipelineError) as info:
        _spec(**changes)
    message = str(info.value)
    # one line per problem, each naming the source and the key
    lines = message.splitlines()
    assert len(lines) == len(info.value.errors)
    for line, (key, text) in zip(lines, info.value.errors, strict=True):
        assert line == (f"p.yaml: {key}: {text}" if key else f"p.yaml: {text}")
    return info.value.errors


# --------------------------------------------------------------------------- shipped files
def test_the_six_pipelines_are_shipped():
    names = {p.stem for p in SHIPPED}
    assert {"quickstart", "eegbci", "eegmat", "haxby", "kramer_stn", "hatsopoulos2004"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_pipelines_validate_and_round_trip(path, tmp_path):
    spec = load_pipeline(path)
    text = spec.to_yaml()
    resolved = yaml.safe_load(text)
    # resolved: every key of every section is written out
    assert set(resolved) == set(PipelineSpec.model_fields)
    assert set(resolved["features"]) == set(type(spec.features).model_fields)
    fname = tmp_path / "resolved.yaml"
    fname.write_text(text)
    again = load_pipeline(fname)
    assert again == spec
    assert again.fingerprint() == spec.fingerprint()
    assert again.to_yaml() == text


def test_shipped_pipelines_mirror_the_benchmark_choices():
    eegmat = load_pipeline(ROOT / "pipelines" / "eegmat.yaml")
    assert eegmat.dataset.subjects == list(range(24))
    assert eegmat.dataset.options["method"] is None  # the 8 electrodes as nodes
    assert (eegmat.cv.scheme, eegmat.scoring) == ("kfold", "balanced_accuracy")
    assert {p.name for p in eegmat.peers} == {"bandpower_lr", "tangent_space_lr"}
    assert eegmat.peers[0].params == {"class_weight": "balanced"}
    haxby = load_pipeline(ROOT / "pipelines" / "haxby.yaml")
    assert haxby.net == {"time_scale": 0.02}
    assert haxby.cv.scheme == "leave_one_group_out"
    assert sorted(haxby.dataset.options["categories"]) == ["face", "house"]
    eegbci = load_pipeline(ROOT / "pipelines" / "eegbci.yaml")
    assert [p.name for p in eegbci.peers] == ["csp_lda", "tangent_space_lr", "bandpower_lr"]
    assert eegbci.dataset.options["classes"] == "hands_feet"
    assert [p.name for p in eegbci.decoder.fuse_with] == ["csp_lda", "tangent_space_lr"]
    quick = load_pipeline(ROOT / "pipelines" / "quickstart.yaml")
    assert quick.dataset.name == "synthetic" and quick.cv.n_splits == 5
    assert [p.name for p in quick.peers] == ["bandpower_lr"]


# --------------------------------------------------------------------------- defaults
def test_defaults_and_shorthands():
    spec = PipelineSpec.from_dict({"name": "t", "dataset": "synthetic", "peers": ["rates_lr"]})
    assert spec.dataset.name == "synthetic" and spec.dataset.options == {}
    assert spec.peers[0].name == "rates_lr" and spec.peers[0].params == {}
    assert spec.features.sets == list(DEFAULT_FEATURES)
    assert (spec.cv.scheme, spec.cv.n_splits, spec.cv.shuffle) == ("kfold", 5, True)
    assert spec.atlas == "seitzman300" and spec.scaffold.k == 30
    assert spec.compute.backend == "auto" and spec.scoring == "accuracy"


def test_yaml_reads_exponents_as_floats_and_refuses_duplicate_keys(tmp_path):
    fname = tmp_path / "p.yaml"
    fname.write_text("name: t\ndataset: synthetic\nnet:\n  dt: 5e-5\n  T_w: 4.0e-2\n")
    assert load_pipeline(fname).net == {"dt": 5e-5, "T_w": 0.04}
    fname.write_text("name: t\ndataset: synthetic\ncv:\n  n_splits: 3\ncv:\n  n_splits: 4\n")
    with pytest.raises(
        PipelineError,
        match=r"p\.yaml: is not valid YAML: found the key 'cv' twice .*\(line 5, column 1\)$",
    ):
        load_pipeline(fname)


@pytest.mark.parametrize(
    "text, match",
    [
        (None, r"missing\.yaml: no such file"),
        ("", r"the file is empty"),
        ("name: [t\n", r"is not valid YAML"),
        ("- name: t\n", r"a pipeline is a mapping of keys"),
    ],
)
def test_file_level_errors(tmp_path, text, match):
    fname = tmp_path / "missing.yaml"
    if text is not None:
        fname.write_text(text)
    with pytest.raises(PipelineError, match=match) as info:
        load_pipeline(fname)
    assert str(info.value).startswith(str(fname))
    assert isinstance(info.value, ValueError)


# --------------------------------------------------------------------------- errors
def test_unknown_keys_list_the_keys_allowed_at_their_level():
    errors = dict(_errors(colour="red", cv={"sheme": "kfold"}))
    assert "unknown key" in errors["colour"]
    assert "top level" in errors["colour"] and "dataset, preprocessing" in errors["colour"]
    assert "did you mean 'scheme'?" in errors["cv.sheme"]
    assert "in cv are: scheme, n_splits, shuffle" in errors["cv.sheme"]
    errors = dict(_errors(peers=[{"name": "rates_lr", "param": {}}]))
    assert "in peers[0] are: name, params" in errors["peers[0].param"]


@pytest.mark.parametrize(
    "changes, key, fragments",
    [
        (
            {"cv__scheme": "loso"},
            "cv.scheme",
            [
                "'loso' is not allowed; choose one of 'kfold', 'leave_one_group_out', "
                "'cross_session', 'leave_one_subject_out'"
            ],
        ),
        ({"scoring": "f1"}, "scoring", ["'f1'", "'accuracy', 'balanced_accuracy'"]),
        ({"features__sets": ["rates", "plvv"]}, "features.sets[1]", ["'plvv'", "'spike_sync'"]),
        ({"decoder__class_weight": "bal"}, "decoder.class_weight", ["'balanced', null"]),
        ({"compute__backend": "gpu"}, "compute.backend", ["'cpp_standalone'"]),
    ],
)
def test_bad_literals_name_the_allowed_values(changes, key, fragments):
    errors = dict(_errors(**changes))
    assert list(errors) == [key]
    for fragment in fragments:
        assert fragment in errors[key]


def test_net_keys_and_values_are_checked_by_s2netconfig():
    errors = dict(_errors(net={"kapa": 0.2, "tau_m": -1.0, "kappa": 0.3}))
    assert set(errors) == {"net.kapa", "net.tau_m"}
    assert "did you mean 'kappa'?" in errors["net.kapa"] and "time_scale" in errors["net.kapa"]
    assert "tau_m must be positive" in errors["net.tau_m"]
    # a constraint between two parameters, each valid alone
    errors = dict(_errors(net={"dt": 5e-3}))
    assert "tau_m / 10" in errors["net.dt"]
    errors = dict(_errors(net={"dt": 1e-3, "tau_m": 5e-3}))
    assert list(errors) == ["net"] and "tau_m" in errors["net"]
    # the encoder is given once
    errors = dict(_errors(net={"encoder": "poisson"}, features={"encoder": "delta"}))
    assert "features.encoder" in errors["net.encoder"]


def test_unknown_peer_and_duplicate_peers():
    errors = dict(_errors(peers=["bandpower_lr", "cps_lda"]))
    assert list(errors) == ["peers[1].name"]
    assert "did you mean 'csp_lda'?" in errors["peers[1].name"]
    assert "'nilearn_decoder'" in errors["peers[1].name"]
    errors = dict(_errors(peers=["bandpower_lr", {"name": "bandpower_lr", "params": {"C": 1}}]))
    assert "same peer as peers[0]" in errors["peers[1]"]
    spec = _spec(
        peers=["spike_counts_lr", {"name": "spike_counts_lr", "params": {"bin_size": 0.1}}]
    )
    labels = [p.display_label for p in spec.peers]
    assert labels == ["spike count + LR", "spike count + LR [bin_size=0.1]"]


def test_the_s2_row_is_named_after_what_ran():
    assert _spec().decoder.label == "S2Decoder"
    assert _spec(decoder={"estimator": "logistic"}).decoder.label == (
        "S2 features + logistic regression"
    )
    label = _spec(decoder={"estimator": "svc", "C": 0.1, "class_weight": "balanced"}).decoder.label
    assert label == "S2 features + linear SVC [C=0.1, balanced]"


def test_decoder_fuse_with_names_peers():
    one = _spec(decoder={"fuse_with": "bandpower_lr"})
    assert [p.name for p in one.decoder.fuse_with] == ["bandpower_lr"]
    assert one.decoder.fusion_cv == 3 and _spec().decoder.fuse_with == []
    two = _spec(decoder={"fuse_with": ["csp_lda", {"name": "bandpower_lr", "params": {"C": 2}}]})
    assert [p.display_label for p in two.decoder.fuse_with][1].startswith("log band power")
    errors = dict(_errors(decoder={"fuse_with": ["csp_lda", "csp_lda"]}))
    assert "listed twice" in errors["decoder.fuse_with[1]"]
    errors = dict(_errors(decoder={"fuse_with": "cps_lda"}))
    assert "did you mean 'csp_lda'?" in errors["decoder.fuse_with[0].name"]
    errors = dict(_errors(decoder={"estimator": "svc", "fuse_with": "csp_lda"}))
    assert "gives none; use 'lda' or 'logistic'" in errors["decoder.fuse_with"]
    errors = dict(_errors(decoder={"fuse_with": "csp_lda", "fusion_cv": 1}))
    assert "decoder.fusion_cv" in errors
    # the features do not depend on the fusion: the S2 units' cache serves both
    assert one.fingerprint() == _spec().fingerprint()


def test_unknown_dataset_and_bad_dataset_options():
    errors = dict(_errors(dataset={"name": "eegmatt"}))
    assert "did you mean 'eegmat'?" in errors["dataset.name"]
    assert "'hatsopoulos2004'" in errors["dataset.name"]
    errors = dict(
        _errors(dataset={"name": "synthetic", "options": {"n_trial": 4, "data_dir": "/d"}})
    )
    assert "did you mean 'n_trials'?" in errors["dataset.options.n_trial"]
    assert "coupling" in errors["dataset.options.n_trial"]  # lists the loader's options
    assert "--data-dir" in errors["dataset.options.data_dir"]
    errors = dict(_errors(dataset={"name": "eegbci", "options": {"subject": 2}}))
    assert "dataset.subjects" in errors["dataset.options.subject"]
    errors = dict(_errors(dataset="synthetic", preprocessing={"tmin": 0.1}, atlas="seitzmann"))
    assert "did you mean 'seitzman300'?" in errors["atlas"]


def test_subjects_rules():
    assert _spec(dataset={"name": "eegmat", "subjects": "all"}).dataset.subjects == "all"
    assert _spec(dataset={"name": "eegbci", "subjects": 3}).dataset.subjects == 3
    errors = dict(_errors(dataset={"name": "haxby", "subjects": [1]}))
    assert "has no subjects" in errors["dataset.subjects"]
    errors = dict(_errors(dataset={"name": "eegmat", "subjects": [0, 40]}))
    assert "0..35" in errors["dataset.subjects"]
    for bad in ("some", [], [1, 1], [1, "2"], True):
        errors = dict(_errors(dataset={"name": "eegmat", "subjects": bad}))
        assert list(errors) == ["dataset.subjects"], bad
    loso = {"cv__scheme": "leave_one_subject_out"}
    for dataset in ({"name": "eegmat", "subjects": [3]}, {"name": "eegbci"}, "haxby"):
        errors = dict(_errors(dataset=dataset, **loso))
        assert "cv.scheme" in errors and "leave_one_subject_out" in errors["cv.scheme"]
    assert (
        _spec(dataset={"name": "eegmat", "subjects": [0, 1]}, **loso).cv.scheme
        == loso["cv__scheme"]
    )
    errors = dict(
        _errors(dataset={"name": "eegmat", "subjects": [0, 1]}, report__example_subject=5)
    )
    assert "[0, 1]" in errors["report.example_subject"]


def test_other_checks():
    errors = dict(_errors(preprocessing={"l_freq": 30.0, "h_freq": 10.0, "tmin": 1, "tmax": 0}))
    assert set(errors) == {"preprocessing.h_freq", "preprocessing.tmax"}
    errors = dict(
        _errors(dataset={"name": "eegmat", "options": {"l_freq": 1}}, preprocessing__l_freq=2)
    )
    assert "preprocessing.l_freq" in errors["dataset.options.l_freq"]
    errors = dict(_errors(decoder={"estimator": "lda", "C": 2.0}))
    assert "'lda'" in errors["decoder.C"]
    errors = dict(_errors(features__windows=[0.0, 0.5]))
    assert "[[0.0, 0.5]]" in errors["features.windows"]
    errors = dict(_errors(features__windows=[[0.5, 0.2]]))
    assert "start before it stops" in errors["features.windows"]
    errors = dict(_errors(name="my study", seed=-1, cv__n_splits=1, scaffold=3))
    assert set(errors) == {"name", "seed", "cv.n_splits", "scaffold"}
    assert "method, k" in errors["scaffold"]
    errors = dict(_errors(dataset=None))
    assert list(errors) == ["dataset"]
    with pytest.raises(PipelineError, match=r"p\.yaml: name: required key is missing"):
        PipelineSpec.from_dict({"dataset": "synthetic"}, source="p.yaml")


# --------------------------------------------------------------------------- ranges
@pytest.mark.parametrize(
    "changes, key, fragment",
    [
        ({"preprocessing__h_freq": float("inf")}, "preprocessing.h_freq", "finite"),
        ({"preprocessing__tmin": float("nan")}, "preprocessing.tmin", "finite"),
        ({"decoder": {"estimator": "svc", "C": float("inf")}}, "decoder.C", "finite"),
        ({"features__windows": float("inf")}, "features.windows", "is not allowed"),
        ({"features__windows": [[0, float("inf")]]}, "features.windows", "[start, stop] pair"),
        ({"features__static_duration": 0}, "features.static_duration", "greater than 0"),
        ({"seed": 2**32}, "seed", "4294967295"),
        ({"report__example_trial": -1}, "report.example_trial", "greater than or equal to 0"),
        ({"scaffold__k": 0}, "scaffold.k", "greater than 0"),
        ({"compute__batch_size": 0}, "compute.batch_size", "greater than 0"),
        ({"peers": [{"name": "bandpower_lr", "params": {"bins": 3}}]}, "peers[0].params", "'bins'"),
    ],
)
def test_numbers_are_finite_and_in_range(changes, key, fragment):
    errors = dict(_errors(**changes))
    assert key in errors, errors
    assert fragment in errors[key], errors[key]


@pytest.mark.parametrize(
    "dataset, key, fragments",
    [
        ({"name": "synthetic", "options": {"n_trials": -4}}, "n_trials", ["-4", ">= 4"]),
        (
            {"name": "synthetic", "options": {"n_trials": 5, "networks": ["A", "B", "C"]}},
            "n_trials",
            [">= 6", "3 classes"],
        ),
        ({"name": "synthetic", "options": {"coupling": 1.5}}, "coupling", ["[0, 1]"]),
        ({"name": "synthetic", "options": {"duration": 0}}, "duration", ["> 0"]),
        ({"name": "synthetic", "options": {"freq": 200}}, "freq", ["Nyquist", "125 Hz"]),
        ({"name": "synthetic", "options": {"seed": -1}}, "seed", [">= 0"]),
        ({"name": "eegbci", "options": {"task": "dream"}}, "task", ["'imagery'"]),
        ({"name": "eegbci", "options": {"runs": [1, 2]}}, "runs", ["3..14"]),
        (
            {"name": "eegbci", "options": {"runs": [4], "task": "execution"}},
            "runs",
            ["contradicts"],
        ),
        ({"name": "eegbci", "options": {"method": "lorreta"}}, "method", ["'eloreta'"]),
        ({"name": "eegmat", "options": {"window": 2, "overlap": 2}}, "window", ["above overlap"]),
        ({"name": "eegmat", "options": {"window": -1}}, "window", ["> 0"]),
        ({"name": "haxby", "options": {"categories": ["faces"]}}, "categories", ["'faces'"]),
        ({"name": "haxby", "options": {"runs": [0, 13]}}, "runs", ["1..12"]),
        ({"name": "haxby", "options": {"mask": "vt"}}, "mask", ["'1slice'", "'slice'"]),
        ({"name": "haxby", "options": {"n_parcels": 0}}, "n_parcels", [">= 1"]),
        ({"name": "kramer_stn", "options": {"tmin": -2}}, "tmin", ["[-1, 1]", "GO cue"]),
        ({"name": "kramer_stn", "options": {"bin_size": 0.0105}}, "bin_size", ["whole number"]),
        ({"name": "kramer_stn", "options": {"tmin": 0.5, "tmax": 0.2}}, "tmax", ["after tmin"]),
        ({"name": "hatsopoulos2004", "options": {"label": "angle"}}, "label", ["'degrees'"]),
    ],
)
def test_dataset_options_are_checked_against_the_loaders_ranges(dataset, key, fragments):
    errors = dict(_errors(dataset=dataset))
    assert f"dataset.options.{key}" in errors, errors
    for fragment in fragments:
        assert fragment in errors[f"dataset.options.{key}"]


def test_preprocessing_the_loader_takes_is_checked_at_its_key():
    errors = dict(_errors(dataset="kramer_stn", atlas=None, preprocessing={"tmax": 3.0}))
    assert list(errors) == ["preprocessing.tmax"] and "[-1, 1]" in errors["preprocessing.tmax"]
    errors = dict(_errors(dataset="eegbci", preprocessing={"l_freq": 50.0}))
    assert "below h_freq (40.0, the loader's default)" in errors["preprocessing.l_freq"]
    errors = dict(_errors(dataset="kramer_stn", atlas=None, preprocessing={"h_freq": 30.0}))
    assert "'spike_counts'" in errors["preprocessing.h_freq"]
    assert "bin_size" in errors["preprocessing.h_freq"]
    errors = dict(_errors(dataset={"name": "kramer_stn", "options": {"return_spike_times": True}}))
    assert "spike counts" in errors["dataset.options.return_spike_times"]


def test_windows_lie_inside_the_crop():
    crop = {"tmin": 0.0, "tmax": 2.0}
    errors = dict(_errors(dataset="eegbci", preprocessing=crop, features__windows=[[1, 3]]))
    assert "[[1.0, 3.0]]" in errors["features.windows"]
    assert "preprocessing.tmin (0)..tmax (2) s" in errors["features.windows"]
    errors = dict(_errors(dataset="eegbci", preprocessing=crop, features__windows=2.5))
    assert "up to 2 s" in errors["features.windows"]
    assert _spec(dataset="eegbci", preprocessing=crop, features__windows=[[0, 2]])
    # static patterns: the windows are network time, not the trials' time axis
    assert _spec(
        dataset="hatsopoulos2004", atlas=None, preprocessing=crop, features__windows=[[0, 0.2]]
    )


def test_generated_trials_are_checked_statically():
    """The four cases of issue 10, section 3, on the synthetic dataset (1 s at 250 Hz)."""
    errors = dict(_errors(preprocessing__h_freq=200.0))
    assert "Nyquist frequency (125 Hz)" in errors["preprocessing.h_freq"]
    errors = dict(_errors(report__example_trial=999))
    assert "'synthetic' has 20 trials" in errors["report.example_trial"]
    assert _spec(report__example_trial=19).report.example_trial == 19
    errors = dict(_errors(dataset__options={"duration": 0.5}, features__windows=[[0, 5]]))
    assert (
        "[[0.0, 5.0]]" in errors["features.windows"] and "0 to 0.5 s" in errors["features.windows"]
    )
    errors = dict(_errors(features__windows=1.5))
    assert "longer than the trials" in errors["features.windows"]
    assert _spec(features__windows=[[0.5, 1.0]])  # the end of the last sample is in
    # more of what a run would find
    errors = dict(_errors(cv__n_splits=11))
    assert "10 trials of the rarest class" in errors["cv.n_splits"]
    errors = dict(_errors(preprocessing={"tmin": -0.5, "tmax": 0.5}))
    assert "a crop cannot extend them" in errors["preprocessing.tmin"]
    errors = dict(_errors(preprocessing={"resample": 100.0, "tmin": 0.5, "tmax": 0.505}))
    assert "keep 1 sample" in errors["preprocessing.tmax"]
    assert _spec(preprocessing__resample=100.0, features__windows=[[0.0, 1.0]])
    errors = dict(_errors(preprocessing={"tmin": 0.2, "tmax": 0.8}, features__windows=[[0.1, 0.5]]))
    assert "[[0.1, 0.5]]" in errors["features.windows"]


def test_pipeline_error_pickles():
    with pytest.raises(PipelineError) as info:
        _spec(cv__scheme="loso")
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value) and again.errors == info.value.errors


# --------------------------------------------------------------------------- for the runner
def test_fingerprint_follows_what_changes_the_features():
    base = _spec()
    same = [
        _spec(decoder={"estimator": "svc", "C": 0.1}),
        _spec(peers=["bandpower_lr"]),
        _spec(report={"example_trial": 3}),
        _spec(name="other", description="words"),
        _spec(compute__batch_size=8),
        _spec(cv={"scheme": "kfold", "n_splits": 5}),  # the defaults, written out
    ]
    for spec in same:
        assert spec.fingerprint() == base.fingerprint()
    changed = [
        _spec(features__sets=["rates"]),
        _spec(features__windows=0.25),
        _spec(net={"kappa": 0.0}),
        _spec(seed=1),
        _spec(cv__n_splits=4),
        _spec(scaffold__k=10),
        _spec(atlas="power264"),
        _spec(preprocessing__tmax=0.5),
        _spec(dataset={"name": "synthetic", "options": {"n_trials": 24}}),
        _spec(compute__backend="numpy"),
    ]
    prints = {spec.fingerprint() for spec in changed}
    assert len(prints) == len(changed) and base.fingerprint() not in prints
    # equal values are equal whatever their YAML spelling
    assert _spec(net={"kappa": 1}).fingerprint() == _spec(net={"kappa": 1.0}).fingerprint()
    assert (
        _spec(features__sets=["plv", "rates"]).fingerprint()
        == _spec(features__sets=["rates", "plv"]).fingerprint()
    )
    assert len(base.fingerprint()) == 64 and int(base.fingerprint(), 16) >= 0


def test_featurizer_params_build_a_clonable_featurizer():
    spec = _spec(
        seed=7,
        atlas="dosenbach160",
        scaffold={"method": "distance", "k": 12},
        features={"sets": ["rates", "plv"], "windows": [[0.0, 0.25], [0.25, 0.5]]},
        compute={"backend": "numpy", "batch_size": 4},
    )
    params = spec.featurizer_params()
    featurizer = S2Featurizer(config=spec.s2_config("signals"), **params)
    copy_ = clone(featurizer)
    assert copy_.get_params() == featurizer.get_params()
    assert params["random_state"] == 7 and params["scaffold"] == "distance" and params["k"] == 12
    assert params["features"] == ("rates", "plv") and params["backend"] == "numpy"
    assert params["windows"] == ((0.0, 0.25), (0.25, 0.5))
    assert set(params) | {"config", "sfreq", "info", "projection", "n_jobs", "memory"} == set(
        S2Featurizer().get_params()
    )


def test_s2_config_and_final_estimator():
    assert _spec().s2_config("signals") is None
    spec = _spec(net={"kappa": 0.0, "time_scale": 0.02})
    cfg = spec.s2_config("static")
    assert isinstance(cfg, S2NetConfig)
    assert (cfg.kappa, cfg.time_scale) == (0.0, 0.02)
    assert cfg.I_bias == 1.5  # the static default, with the pipeline's changes on top
    assert spec.s2_config("signals").I_bias == S2NetConfig().I_bias
    # the default decoder is S2Decoder's own final estimator
    ours, theirs = _spec().final_estimator(), default_classifier()
    assert [type(s) for _, s in ours.steps] == [type(s) for _, s in theirs.steps]
    for (_, a), (_, b) in zip(ours.steps, theirs.steps, strict=True):
        assert a.get_params() == b.get_params()
    lr = _spec(
        decoder={"estimator": "logistic", "C": 0.1, "class_weight": "balanced"}
    ).final_estimator()[-1]
    assert (lr.C, lr.class_weight) == (0.1, "balanced")
    lda = _spec(decoder={"estimator": "lda"}).final_estimator()[-1]
    assert (type(lda).__name__, lda.solver, lda.shrinkage) == (
        "LinearDiscriminantAnalysis",
        "lsqr",
        "auto",
    )
    svc = _spec(decoder={"estimator": "svc", "C": 0.5}).final_estimator()[-1]
    assert (type(svc).__name__, svc.C) == ("LinearSVC", 0.5)


def test_package_imports_lazily():
    code = (
        "import sys, s2decode.pipeline as p\n"
        "assert 's2decode.pipeline.spec' not in sys.modules\n"
        "assert 'pydantic' not in sys.modules\n"
        "assert p.PipelineSpec is sys.modules['s2decode.pipeline.spec'].PipelineSpec\n"
        "assert callable(p.load_pipeline) and callable(p.dataset_subjects)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------- variants
def test_a_variant_is_the_pipeline_with_its_changes():
    spec = _spec(
        net={"tau_m": 0.02},
        variants=[
            {"label": "kappa=0", "net": {"kappa": 0}},
            {"label": "rates only", "features": {"sets": ["rates"]}},
        ],
    )
    (k_label, no_kappa), (r_label, rates) = spec.variant_specs()
    assert (k_label, r_label) == ("kappa=0", "rates only")
    # merged into the pipeline's own values, which stay
    assert no_kappa.net == {"tau_m": 0.02, "kappa": 0.0}
    assert rates.features.sets == ["rates"] and rates.net == spec.net
    assert no_kappa.variants == [] and rates.features.bands == spec.features.bands
    # each has its own features (and cache entries); the decoder and peers are the same
    assert len({spec.fingerprint(), no_kappa.fingerprint(), rates.fingerprint()}) == 3
    assert no_kappa.decoder == spec.decoder and no_kappa.peers == spec.peers
    # the variants do not change the S2 row's features
    assert spec.fingerprint() == _spec(net={"tau_m": 0.02}).fingerprint()
    assert PipelineSpec.from_dict(yaml.safe_load(spec.to_yaml())) == spec


def test_variant_errors_name_the_variant_and_the_key():
    errors = dict(
        _errors(
            variants=[
                {"label": "a", "net": {"kapa": 0}},
                {"label": "b", "features": {"sets": ["rats"]}},
                {"label": "c", "features": {"spatial": "auto"}},
                {"label": "a", "net": {"kappa": 0.5}},
                {"label": "S2Decoder", "net": {"kappa": 0.2}},
            ]
        )
    )
    assert "not an S2-Net parameter (did you mean 'kappa'?)" in errors["variants[0].net.kapa"]
    assert "is not allowed; choose one of" in errors["variants[1].features.sets[0]"]
    assert "changes nothing" in errors["variants[2]"]
    assert "already names variants[0]" in errors["variants[3].label"]
    assert "already names the S2 row" in errors["variants[4].label"]


def test_a_peer_may_be_given_its_label():
    spec = _spec(peers=[{"name": "bandpower_lr", "label": "band power"}, "csp_lda"])
    assert [p.display_label for p in spec.peers] == ["band power", "CSP + LDA (MNE)"]
    errors = dict(_errors(peers=["csp_lda"], variants=[{"label": "CSP + LDA (MNE)",
                                                        "net": {"kappa": 0}}]))  # fmt: skip
    assert "already names peers[0]" in errors["variants[0].label"]


def test_select_features_and_epochs_input():
    assert _spec(decoder={"select_features": False}).decoder.label == (
        "S2 features + shrinkage LDA [all sets]"
    )
    assert _spec(decoder={"estimator": "logistic", "select_features": False}).decoder.label == (
        "S2 features + logistic regression [all sets]"
    )
    errors = dict(_errors(dataset="kramer_stn", features={"input": "epochs"}))
    assert "'epochs' reads EEG electrodes" in errors["features.input"]
    eeg = {"name": "eegbci", "options": {"method": None}}
    assert _spec(dataset=eeg, features={"input": "epochs"}).features.input == "epochs"
    assert (
        _spec(dataset=eeg, features={"input": "epochs"}).fingerprint()
        != _spec(dataset=eeg).fingerprint()
    )


def test_featurizer_params_follow_the_estimators_parameter_table():
    """Every S2Featurizer parameter is set by the pipeline but those a pipeline file cannot
    give (an MNE info, a projector, a joblib memory, its own process count, the config)."""
    from s2decode.estimators.params import FEATURIZER_PARAMS

    table = [p.name for p in FEATURIZER_PARAMS]
    given = list(_spec().featurizer_params())
    assert set(given) <= set(table)
    assert set(table) - set(given) == {"config", "info", "sfreq", "projection", "memory", "n_jobs"}
