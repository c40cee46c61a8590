"""The peer registry (s2decode.peers): every name builds, errors say what to do, peers fit."""

from __future__ import annotations

import sys

import nibabel as nib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedKFold, cross_val_score

from s2decode import make_trials, peers
from s2decode.peers import PEERS, check_peer_params, make_peer, peer_label

SFREQ = 100.0


def _continuous(n_trials=40, n_nodes=6, n_times=200, seed=0, node_dim="channel"):
    """Two classes that differ by the power of a 10 Hz rhythm on the first two nodes."""
    rng = np.random.default_rng(seed)
    y = np.repeat(["a", "b"], n_trials // 2)
    t = np.arange(n_times) / SFREQ
    X = rng.standard_normal((n_trials, n_nodes, n_times))
    amp = np.where(y == "b", 3.0, 0.3)[:, None]
    rhythm = amp * np.sin(2 * np.pi * 10 * t + rng.uniform(0, 2 * np.pi, (n_trials, 1)))
    X[:, 0] += rhythm
    X[:, 1] -= 0.5 * rhythm
    return make_trials(X, sfreq=SFREQ, y=y, node_dim=node_dim, modality="eeg")


def _spike_counts(n_trials=40, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(["left", "right"], n_trials // 2)
    rates = np.where(y == "right", 0.04, 0.01)[:, None, None]
    X = rng.poisson(rates * np.ones((n_trials, 2, 500))).astype(float)
    return make_trials(
        X, sfreq=1000.0, y=y, node_dim="unit", modality="spikes", measure="spike_counts"
    )


def _rates(n_trials=40, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 90], n_trials // 2)
    X = rng.poisson(np.where(y == 90, 30.0, 10.0)[:, None, None] * np.ones((n_trials, 5, 1)))
    return make_trials(
        X.astype(float), sfreq=1.0, y=y, node_dim="unit", modality="spikes", measure="rates"
    )


def _voxels(tmp_path, n_trials=24, seed=0):
    rng = np.random.default_rng(seed)
    mask = np.zeros((5, 4, 2), dtype=np.int8)
    mask.flat[rng.choice(mask.size, 14, replace=False)] = 1
    fname = tmp_path / "mask.nii.gz"
    nib.save(nib.Nifti1Image(mask, np.diag([3.0, 3.0, 3.0, 1.0])), fname)
    y = np.repeat(["face", "house"], n_trials // 2)
    pattern = rng.standard_normal(14)
    X = (
        rng.standard_normal((n_trials, 14, 3))
        + np.where(y == "face", 1.0, -1.0)[:, None, None] * (pattern[None, :, None])
    )
    trials = make_trials(X, sfreq=0.4, y=y, node_dim="voxel", modality="fmri")
    trials.attrs["mask_img"] = str(fname)
    return trials


def _trials_for(name, tmp_path):
    measures = PEERS[name].measures
    if name == "nilearn_decoder":
        return _voxels(tmp_path)
    if "continuous" in measures:
        return _continuous()
    if "spike_counts" in measures:
        return _spike_counts()
    return _rates()


def _cv_accuracy(estimator, trials, n_splits=4):
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=0)
    y = trials["y"].values
    return cross_val_score(estimator, trials.values, y, cv=cv, scoring="accuracy").mean()


# --------------------------------------------------------------------------- registry
def test_registry_names_and_read_only():
    expected = {
        "csp_lda",
        "tangent_space_lr",
        "xdawn_tangent_space_lr",
        "bandpower_lr",
        "anova_svc",
        "nilearn_decoder",
        "spike_counts_lr",
        "rates_lr",
    }
    assert set(PEERS) == expected
    for name, info in PEERS.items():
        assert info.name == name and info.label and info.measures
    with pytest.raises(TypeError):
        PEERS["mine"] = PEERS["csp_lda"]  # type: ignore[index]


@pytest.mark.parametrize("name", sorted(PEERS))
def test_every_peer_builds_an_unfitted_estimator(name, tmp_path):
    trials = _trials_for(name, tmp_path)
    label, estimator = make_peer(name, trials)
    assert label == PEERS[name].label
    assert isinstance(estimator, BaseEstimator) and is_classifier(estimator)
    clone(estimator)  # a plain scikit-learn estimator: clonable, nothing fitted yet
    with pytest.raises(NotFittedError):
        estimator.predict(trials.values[:2])


def test_peer_params_reach_the_estimator():
    trials = _continuous()
    label, est = make_peer("bandpower_lr", trials, C=0.5, class_weight="balanced")
    assert est.named_steps["lr"].C == 0.5 and est.named_steps["lr"].class_weight == "balanced"
    assert est.named_steps["bandpower"].sfreq == SFREQ  # from trials.attrs
    assert "C=0.5" in label and "class_weight='balanced'" in label
    # a YAML list equal to the default is the default: same label, same filter band
    label, est = make_peer("csp_lda", trials, band=[7, 30])
    assert label == PEERS["csp_lda"].label
    assert est.named_steps["bandpass"].l_freq == 7.0
    _, est = make_peer("csp_lda", trials, band=None)
    assert [n for n, _ in est.steps] == ["csp", "lda"]
    assert peer_label("spike_counts_lr", {"bin_size": 0.1}) == "spike count + LR [bin_size=0.1]"


def test_make_peer_errors_say_what_is_allowed():
    trials = _continuous()
    with pytest.raises(ValueError, match=r"Unknown peer 'cps_lda'.*'csp_lda'"):
        make_peer("cps_lda", trials)
    with pytest.raises(ValueError, match=r"no parameter 'c'.*bands, C, class_weight"):
        make_peer("bandpower_lr", trials, c=1.0)
    with pytest.raises(ValueError, match=r"no parameter 'C'; its parameters are: cv"):
        check_peer_params("nilearn_decoder", {"C": 1.0})
    check_peer_params("nilearn_decoder", {"cv": 3})  # a known parameter passes
    # a peer of another measure of data: the error lists the peers for these trials
    with pytest.raises(ValueError, match=r"'spike_counts'.*spike_counts_lr"):
        make_peer("csp_lda", _spike_counts())
    # nilearn's Decoder needs voxels and their mask
    with pytest.raises(ValueError, match=r"mask_img.*anova_svc"):
        make_peer("nilearn_decoder", _continuous(node_dim="voxel"))
    no_sfreq = _continuous()
    del no_sfreq.attrs["sfreq"]
    with pytest.raises(ValueError, match=r"sfreq"):
        make_peer("bandpower_lr", no_sfreq)


def test_tangent_space_without_pyriemann_says_how_to_install(monkeypatch):
    for module in ("pyriemann", "pyriemann.estimation", "pyriemann.tangentspace"):
        monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError
    with pytest.raises(ImportError, match=r"pip install pyriemann"):
        make_peer("tangent_space_lr", _continuous())


# --------------------------------------------------------------------------- fitting
@pytest.mark.parametrize("name", ["csp_lda", "bandpower_lr", "tangent_space_lr"])
def test_eeg_peers_fit_a_power_difference(name):
    if name == "tangent_space_lr":
        pytest.importorskip("pyriemann")
    trials = _continuous()
    _, estimator = make_peer(name, trials)
    assert _cv_accuracy(estimator, trials) >= 0.9
    # and nothing from labels without information
    shuffled = trials.assign_coords(y=("trial", np.random.default_rng(1).permutation(trials.y)))
    assert _cv_accuracy(make_peer(name, trials)[1], shuffled) < 0.8


def test_a_peer_fits_on_generated_synchrony_trials():
    """The offline synthetic dataset: the peer runs end to end on its trials and labels."""
    from s2decode.datasets import load

    trials = load("synthetic", atlas="dosenbach160", n_trials=24, duration=0.5, seed=0)
    _, estimator = make_peer("bandpower_lr", trials)
    fitted = estimator.fit(trials.values[:16], trials["y"].values[:16])
    pred = fitted.predict(trials.values[16:])
    assert set(pred) <= set(trials["y"].values) and len(pred) == 8
    assert fitted.named_steps["bandpower"].n_features_in_ == trials.sizes["parcel"]


def test_spike_rate_and_fmri_peers_fit(tmp_path):
    counts = _spike_counts()
    assert _cv_accuracy(make_peer("spike_counts_lr", counts)[1], counts) >= 0.9
    binned = make_peer("spike_counts_lr", counts, bin_size=0.1)[1].fit(counts.values, counts.y)
    assert binned.named_steps["lr"].coef_.shape[1] == 2 * 5  # 2 units x 5 bins of 100 ms
    rates = _rates()
    assert _cv_accuracy(make_peer("rates_lr", rates)[1], rates) >= 0.9
    assert _cv_accuracy(make_peer("anova_svc", rates, percentile=100)[1], rates) >= 0.9
    voxels = _voxels(tmp_path)
    assert _cv_accuracy(make_peer("anova_svc", voxels, percentile=50)[1], voxels) >= 0.9


@pytest.mark.filterwarnings("ignore:screening_percentile:UserWarning")
@pytest.mark.filterwarnings("ignore:Brain mask is smaller")
@pytest.mark.filterwarnings("ignore:The decoding model will be trained only on")
def test_nilearn_decoder_peer_reads_the_mask_of_the_trials(tmp_path):
    voxels = _voxels(tmp_path)
    _, decoder = make_peer("nilearn_decoder", voxels, cv=3)
    assert decoder.named_steps["decoder"].mask_img == voxels.attrs["mask_img"]
    assert _cv_accuracy(decoder, voxels, n_splits=3) >= 0.9


# --------------------------------------------------------------------------- the builders
def _oscillation_trials(n_trials=40, n_channels=6, n_times=200, seed=0):
    """Two classes that differ by the power of a 10 Hz rhythm on two channels."""
    rng = np.random.default_rng(seed)
    y = np.repeat(["a", "b"], n_trials // 2)
    t = np.arange(n_times) / SFREQ
    X = rng.standard_normal((n_trials, n_channels, n_times))
    amp = np.where(y == "b", 3.0, 0.3)[:, None]
    phase = rng.uniform(0, 2 * np.pi, (n_trials, 1))
    rhythm = amp * np.sin(2 * np.pi * 10 * t + phase)
    X[:, 0] += rhythm
    X[:, 1] -= 0.5 * rhythm
    return X, y


def _score(estimator, X, y, n_splits=4):
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=0)
    return cross_val_score(estimator, X, y, cv=cv, scoring="accuracy").mean()


@pytest.mark.parametrize(
    "make",
    [
        lambda: peers.csp_lda(SFREQ, band=(7.0, 30.0)),
        lambda: peers.csp_lda(band=None),
        lambda: peers.tangent_space_lr(SFREQ, band=(7.0, 30.0)),
        lambda: peers.bandpower_lr(SFREQ),
    ],
    ids=["csp_lda", "csp_lda_broadband", "tangent_space_lr", "bandpower_lr"],
)
def test_eeg_peers_decode_a_rhythm_difference(make):
    X, y = _oscillation_trials()
    assert _score(make(), X, y) >= 0.9
    # and nothing from labels that carry no information
    y_perm = np.random.default_rng(1).permutation(y)
    assert _score(make(), X, y_perm) < 0.8


def test_band_pass_needs_sfreq():
    with pytest.raises(ValueError, match="sfreq"):
        peers.csp_lda(sfreq=None, band=(7.0, 30.0))


def test_log_band_power_peaks_in_the_band_of_the_rhythm():
    t = np.arange(400) / SFREQ
    X = np.sin(2 * np.pi * 10 * t)[None, None, :] * np.ones((3, 2, 1))
    X[:, 1] = np.sin(2 * np.pi * 25 * t)
    bp = peers.LogBandPower(SFREQ).fit(X)
    out = bp.transform(X).reshape(3, 2, len(peers.BANDS))
    assert out.shape == (3, 2, 6)
    assert np.argmax(out[0, 0]) == 2  # 8-13 Hz
    assert np.argmax(out[0, 1]) == 4  # 20-30 Hz
    names = bp.get_feature_names_out(["Cz", "Pz"])
    assert names[2] == "Cz_8-13Hz" and len(names) == 12
    with pytest.raises(ValueError, match="channels"):
        bp.transform(X[:, :1])


@pytest.mark.parametrize(
    "bands, match",
    [([(1.0, 60.0)], "Nyquist"), ([(13.0, 8.0)], "low < high"), ([1.0, 2.0], "pairs")],
)
def test_log_band_power_rejects_bad_bands(bands, match):
    with pytest.raises(ValueError, match=match):
        peers.LogBandPower(SFREQ, bands=bands).fit(np.zeros((2, 1, 200)))


def test_spike_counts_whole_window_and_bins():
    rng = np.random.default_rng(0)
    X = rng.poisson(0.05, (5, 3, 1000)).astype(float)  # 1 ms bins
    total = peers.SpikeCounts(1000.0).fit_transform(X)
    np.testing.assert_array_equal(total, X.sum(axis=-1))
    binned = peers.SpikeCounts(1000.0, bin_size=0.1).fit_transform(X)
    assert binned.shape == (5, 30)
    np.testing.assert_array_equal(binned.reshape(5, 3, 10).sum(axis=-1), total)
    np.testing.assert_array_equal(binned[:, 10], X[:, 1, :100].sum(axis=-1))
    with pytest.raises(ValueError, match="whole number"):
        peers.SpikeCounts(1000.0, bin_size=0.0005).fit(X)
    with pytest.raises(ValueError, match="longer than the trials"):
        peers.SpikeCounts(1000.0, bin_size=2.0).fit(X)
    with pytest.raises(ValueError, match="n_trials, n_nodes, n_times"):
        peers.SpikeCounts(1000.0).fit(X[0])


def test_spike_and_rate_peers_decode_a_rate_difference():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    rates = np.where(y == 1, 0.04, 0.01)[:, None, None]
    X = rng.poisson(rates * np.ones((40, 2, 500))).astype(float)
    assert _score(peers.spike_counts_lr(1000.0), X, y) >= 0.9
    assert _score(peers.spike_counts_lr(1000.0, bin_size=0.1), X, y) >= 0.8
    assert _score(peers.rates_lr(), X.sum(axis=-1, keepdims=True), y) >= 0.9


def _mask_img(shape=(5, 4, 2), n_in=14, seed=0):
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, dtype=np.int8)
    mask.flat[rng.choice(mask.size, n_in, replace=False)] = 1
    return nib.Nifti1Image(mask, np.diag([3.0, 3.0, 3.0, 1.0]))


def test_nifti_array_decoder_puts_voxels_where_nilearn_reads_them():
    from nilearn.maskers import NiftiMasker

    mask = _mask_img()
    X = np.random.default_rng(0).standard_normal((7, 14))
    img = peers.NiftiArrayDecoder(mask)._to_img(X)
    back = NiftiMasker(mask_img=mask, standardize=None).fit_transform(img)
    np.testing.assert_allclose(back, X, rtol=1e-6)
    with pytest.raises(ValueError, match="voxels of mask_img"):
        peers.NiftiArrayDecoder(mask)._to_img(X[:, :5])


@pytest.mark.filterwarnings("ignore:screening_percentile:UserWarning")
@pytest.mark.filterwarnings("ignore:Brain mask is smaller")
@pytest.mark.filterwarnings("ignore:The decoding model will be trained only on")
def test_fmri_peers_decode_a_pattern():
    rng = np.random.default_rng(0)
    y = np.repeat(["face", "house"], 12)
    pattern = rng.standard_normal(14)
    X = (
        rng.standard_normal((24, 14, 3))
        + np.where(y == "face", 1.0, -1.0)[:, None, None] * (pattern[None, :, None])
    )
    decoder = peers.nilearn_decoder(_mask_img(), cv=3)
    assert _score(decoder, X, y) >= 0.9
    assert _score(peers.anova_svc(percentile=50), X, y) >= 0.9
    pred = clone(decoder).fit(X, y).predict(X[:3])
    assert set(pred) <= {"face", "house"}


def test_features_of_drops_the_classifier():
    X, y = _oscillation_trials()
    pipe = peers.csp_lda(SFREQ)
    feats = peers.features_of(pipe)
    assert [name for name, _ in feats.steps] == ["bandpass", "csp"]
    assert feats.fit_transform(X, y).shape == (len(X), 4)
    assert not hasattr(pipe[-1], "coef_")  # the peer itself is left unfitted
    # the nilearn Decoder has no feature step: its ANOVA screening stands in
    anova = peers.features_of(peers.nilearn_decoder(_mask_img()))
    assert [name for name, _ in anova.steps] == ["mean", "scale", "anova"]
    with pytest.raises(ValueError, match="classifier"):
        peers.features_of(peers.LogBandPower(SFREQ))
