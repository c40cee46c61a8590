"""Fuzzing (issue 16, hypothesis): random pipeline files and mappings against the pipeline
schema, random arrays and spike trains against the public input checks, adversarial spike
trains against the synchrony kernels.

What each must do: the schema raises only :class:`~s2decode.PipelineError` (one line per
problem, naming the file); the input checks return a valid result or raise an
:class:`~s2decode.S2DecodeError` (or the documented ``TypeError`` of a wrong kind of
object); the kernels never crash and give no NaN where ``docs/sync.md`` promises a number.
A few hundred examples each, in seconds (no deadline: the first call compiles).
"""

from __future__ import annotations

import copy
import string
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import s2decode.sync as sync
from s2decode import InvalidInputError, PipelineError, S2DecodeError, SpikeTrains, make_trials
from s2decode._checks import check_array
from s2decode.io import spikes_to_trials
from s2decode.pipeline.spec import PipelineSpec, load_pipeline

ROOT = Path(__file__).resolve().parents[1]
MANY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------------ pipeline schema
QUICKSTART = load_pipeline(ROOT / "pipelines" / "quickstart.yaml").model_dump()

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
words = st.text(string.ascii_lowercase + "_", min_size=1, max_size=10)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(words, inner, max_size=4),
    max_leaves=12,
)


def _paths(tree, prefix=()):
    """Every key path of a nested dict/list."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


PATHS = sorted(_paths(QUICKSTART), key=str)


@st.composite
def mutated_pipelines(draw):
    """The quickstart pipeline with 1-3 keys replaced by random values, deleted, or joined by
    unknown keys: deep into the schema, where random mappings rarely get."""
    data = copy.deepcopy(QUICKSTART)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[path[-1]] = draw(values)
            elif action == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(words)] = draw(values)
        except (KeyError, IndexError, TypeError):  # an earlier mutation changed the tree
            pass
    return data


def _validate(data, source="fuzz.yaml"):
    """PipelineSpec.from_dict: a spec, or a PipelineError naming the source."""
    try:
        spec = PipelineSpec.from_dict(data, source=source)
    except PipelineError as err:
        assert err.errors and str(err).startswith(source), str(err)
        return None
    # a spec that validates writes YAML that validates to the same spec
    again = PipelineSpec.from_dict(yaml.safe_load(spec.to_yaml()), source=source)
    assert again.fingerprint() == spec.fingerprint()
    return spec


@MANY
@given(mutated_pipelines())
def test_mutated_pipelines_give_a_spec_or_a_pipeline_error(data):
    _validate(data)


@MANY
@given(st.dictionaries(st.sampled_from([*QUICKSTART, "x"]) | words, values, max_size=6))
def test_random_mappings_give_a_spec_or_a_pipeline_error(data):
    _validate(data)


@MANY
@given(values | st.dictionaries(scalars.filter(lambda v: v is not None), values, max_size=4))
def test_random_documents_give_a_pipeline_error(data):
    try:
        PipelineSpec.from_dict(data, source="doc.yaml")
    except PipelineError as err:
        assert str(err).startswith("doc.yaml")
    else:  # only a mapping with name and dataset could validate
        raise AssertionError(f"{data!r} validated")


yaml_text = st.one_of(
    st.text(max_size=200),
    st.builds(yaml.safe_dump, values),
    st.builds(yaml.safe_dump, mutated_pipelines()),
    st.lists(
        st.sampled_from(
            ["name: x\n", "dataset: synthetic\n", "  - ", "{", "}", "[", ":", "&a", "*a",
             "!!python/object:os.system ", "!!binary ", "'", '"', "\t", "---\n", "...\n",
             "? ", "cv:\n  n_splits: ", "1e-3", ".nan", "\n"]
        ),
        max_size=25,
    ).map("".join),
)  # fmt: skip


@SOME
@given(yaml_text | st.binary(max_size=120))
def test_random_files_give_a_spec_or_a_pipeline_error(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("yaml") / "p.yaml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    try:
        load_pipeline(path)
    except PipelineError as err:
        assert str(err).startswith(str(path)), str(err)
        assert "\n" not in str(err) or all(
            line.startswith(str(path)) for line in str(err).splitlines()
        )


def test_a_deeply_nested_file_is_a_pipeline_error(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("name: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(PipelineError, match=r"deep\.yaml: is nested too deeply"):
        load_pipeline(path)


# ------------------------------------------------------------------ arrays
dtypes = (
    hnp.floating_dtypes()
    | hnp.integer_dtypes()
    | hnp.boolean_dtypes()
    | hnp.complex_number_dtypes()
    | hnp.unicode_string_dtypes(max_len=3)
    | hnp.datetime64_dtypes()
    | st.just(np.dtype(object))
)
arrays = hnp.arrays(dtypes, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))


@MANY
@given(arrays, st.booleans())
def test_check_array_returns_a_real_array_or_says_why(values, finite):
    try:
        out = check_array(values, "X", ndim=None, finite=finite)
    except InvalidInputError as err:
        assert "`X`" in str(err)
        return
    assert out.dtype.kind in "biuf" and 0 not in out.shape
    if finite and out.dtype.kind == "f":
        assert np.all(np.isfinite(out))


@MANY
@given(
    arrays | st.lists(st.lists(st.floats() | st.text(max_size=2), max_size=3), max_size=3),
    st.floats() | st.integers(-5, 5) | st.none(),
)
def test_make_trials_gives_trials_or_an_s2decode_error(data, sfreq):
    try:
        trials = make_trials(data, sfreq=sfreq)
    except S2DecodeError as err:
        assert isinstance(err, ValueError)
        assert "`data`" in str(err) or "`sfreq`" in str(err), str(err)
        return
    except TypeError as err:  # sfreq None: float(None), a wrong kind of object
        assert sfreq is None, err
        return
    assert trials.ndim == 3 and 0 not in trials.shape
    assert trials.attrs["sfreq"] > 0 and np.isfinite(trials.attrs["sfreq"])


times = st.floats(-2.0, 3.0) | st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.0])


@MANY
@given(
    st.lists(st.lists(st.lists(times, max_size=5), min_size=0, max_size=3), max_size=3),
    st.booleans(),
)
def test_spike_trains_from_lists_and_to_counts_check_their_input(trains, unique):
    try:
        spikes = SpikeTrains.from_lists(trains, 0.0, 1.0, unique=unique)
    except S2DecodeError as err:
        assert isinstance(err, ValueError) and ("train" in str(err) or "Spike" in str(err))
    else:
        assert np.all((spikes.times >= 0) & (spikes.times <= 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # times found twice: kept, said
        try:
            counts = spikes_to_trials(trains, tmin=0.0, tmax=1.0, bin_size=0.1)
        except S2DecodeError as err:
            assert "`spikes`" in str(err), str(err)
        else:
            assert counts.shape[0] == len(trains) and np.all(counts.values >= 0)


# ------------------------------------------------------------------ synchrony kernels
T0, T1 = 0.0, 1.0


@st.composite
def adversarial_trains(draw):
    """2-5 trains on [0, 1]: empty, one spike, identical, all at one time, spikes repeated,
    on the edges, 1e-12 apart, or many (a thousand each)."""
    kind = draw(
        st.sampled_from(
            ["empty", "identical", "one_time", "repeats", "edges", "tiny_isi", "many", "mixed"]
        )
    )
    n = draw(st.integers(2, 5))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    if kind == "empty":
        trains = [np.empty(0) for _ in range(n)]
    elif kind == "identical":
        base = np.sort(rng.uniform(T0, T1, draw(st.integers(0, 20))))
        trains = [base.copy() for _ in range(n)]
    elif kind == "one_time":
        t = draw(st.sampled_from([T0, T1, 0.5]))
        trains = [np.full(draw(st.integers(1, 4)), t) for _ in range(n)]
    elif kind == "repeats":
        trains = [np.sort(np.repeat(rng.uniform(T0, T1, 3), 3)) for _ in range(n)]
    elif kind == "edges":
        trains = [np.array([T0, T1]), np.array([T0]), *[np.array([T1])] * (n - 2)]
    elif kind == "tiny_isi":
        start = rng.uniform(0.1, 0.9)
        trains = [start + 1e-12 * np.arange(draw(st.integers(1, 6))) for _ in range(n)]
    elif kind == "many":
        trains = [np.sort(rng.uniform(T0, T1, 1000)) for _ in range(n)]
    else:
        trains = [
            np.sort(rng.choice([T0, T1, 0.25, 0.5], draw(st.integers(0, 6)))) for _ in range(n)
        ]
    return [np.asarray(t, dtype=float) for t in trains]


def _empty(trains):
    return np.array([t.size == 0 for t in trains])


@SOME
@given(adversarial_trains())
def test_spike_sync_is_a_number_in_0_1(trains):
    m = sync.spike_sync_matrix(trains, T0, T1)
    assert np.all(np.isfinite(m)) and np.all((m >= 0) & (m <= 1))
    profile = sync.spike_sync_profile(trains, T0, T1)
    assert np.all(np.isfinite(profile.values))
    assert np.all((profile.values >= 0) & (profile.values <= 1))
    assert 0 <= profile.average() <= 1


@SOME
@given(adversarial_trains())
def test_isi_and_spike_distances_are_numbers(trains):
    for func in (sync.isi_distance_matrix, sync.spike_distance_matrix):
        m = func(trains, T0, T1)
        assert np.all(np.isfinite(m)), func.__name__
        assert np.all(m >= 0) and np.all(np.diag(m) == 0)
    assert np.all(sync.isi_distance_matrix(trains, T0, T1) <= 1)


@SOME
@given(adversarial_trains(), st.sampled_from([0.0, 1e-3, 0.1, np.inf]))
def test_van_rossum_is_a_number(trains, tau):
    m = sync.van_rossum_distance_matrix(trains, T0, T1, tau=tau)
    assert np.all(np.isfinite(m)) and np.all(m >= 0) and np.all(np.diag(m) == 0)


@SOME
@given(adversarial_trains(), st.sampled_from([1e-6, 5e-3, 0.5]))
def test_sttc_is_nan_only_for_an_empty_train(trains, dt):
    m = sync.sttc_matrix(trains, dt, T0, T1)
    empty = _empty(trains)
    either = empty[:, None] | empty[None, :]
    assert np.all(np.isnan(m[either]))
    assert np.all(np.isfinite(m[~either])) and np.all(np.abs(m[~either]) <= 1)


@SOME
@given(adversarial_trains())
def test_spike_contrast_is_a_number_where_a_train_has_two_spikes(trains):
    value = sync.spike_contrast(trains, T0, T1)
    if any(t.size > 1 for t in trains):
        assert np.isfinite(value) and 0 <= value <= 1 + 1e-12
    else:
        assert np.isnan(value)


@SOME
@given(adversarial_trains(), st.sampled_from([0.25, 0.5, 1.0]))
def test_batched_and_windowed_inputs_give_numbers(trains, length):
    """The same trains as a SpikeTrains of 2 trials, per window: shapes and no NaN."""
    batch = SpikeTrains.from_lists([trains, trains[::-1]], T0, T1, unique=False)
    windows = sync.sliding_windows(T0, T1, length, length)
    m = sync.spike_sync_matrix(batch, windows=windows)
    assert m.shape == (2, len(windows), len(trains), len(trains))
    assert np.all(np.isfinite(m)) and np.all((m >= 0) & (m <= 1))
    d = sync.isi_distance_matrix(batch, windows=windows)
    assert np.all(np.isfinite(d)) and np.all((d >= 0) & (d <= 1))


@SOME
@given(st.floats(1e3, 1e8), adversarial_trains())
def test_a_window_far_from_zero_gives_numbers(offset, trains):
    """Times of a long recording, far from 0 (where ISIs of 1e-12 s round to 0)."""
    shifted = [t + offset for t in trains]
    for func in (sync.spike_sync_matrix, sync.isi_distance_matrix, sync.spike_distance_matrix):
        m = func(shifted, T0 + offset, T1 + offset)
        assert np.all(np.isfinite(m)) and np.all(m >= 0), func.__name__
