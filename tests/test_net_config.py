"""S2NetConfig: validation, variants, ablations and YAML round trips."""

from __future__ import annotations

import numpy as np
import pytest

from s2decode.net import ABLATIONS, S2NetConfig


def test_defaults_are_valid_and_documented_regime():
    cfg = S2NetConfig()
    assert cfg.dt <= cfg.tau_m / 10
    assert cfg.kappa > 0 and cfg.normalize
    assert cfg.encoder == "current"


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"dt": 2e-3}, "much smaller than tau_m"),
        ({"tau_m": -1.0}, "tau_m must be positive"),
        ({"T_w": 0.0}, "T_w must be positive"),
        ({"T_w": 1e-4}, "at most T_w / 2"),
        ({"t_ref": -1e-3}, "t_ref must be >= 0"),
        ({"J": -0.1}, "J must be >= 0"),
        ({"kappa": float("nan")}, "kappa must be finite"),
        ({"eps": 0.0}, "eps must be positive"),
        ({"f_omega": -5.0}, "f_omega"),
        ({"f_omega": 6000.0}, "Nyquist"),
        ({"encoder": "voltage"}, "encoder must be one of"),
        ({"weight_norm": "max"}, "weight_norm must be one of"),
        ({"record_dt": 1e-5}, "record_dt"),
        ({"v_init": 2.0}, "v_init"),
        ({"time_scale": 0.0}, "time_scale must be positive"),
    ],
)
def test_invalid_values_name_the_parameter(changes, match):
    with pytest.raises(ValueError, match=match):
        S2NetConfig(**changes)


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match="kappa must be a number"):
        S2NetConfig(kappa="strong")
    with pytest.raises(TypeError, match="normalize must be True or False"):
        S2NetConfig(normalize=1)


def test_replace_validates_and_rejects_unknown():
    cfg = S2NetConfig()
    assert cfg.replace(kappa=0.3).kappa == 0.3
    with pytest.raises(TypeError, match="Unknown S2NetConfig parameter"):
        cfg.replace(kapa=0.3)
    with pytest.raises(ValueError, match="much smaller"):
        cfg.replace(dt=5e-3)


@pytest.mark.parametrize("name", ABLATIONS)
def test_each_ablation_is_one_parameter_away(name):
    cfg = S2NetConfig()
    ablated = cfg.ablation(name)
    diff = {k for k, v in cfg.to_dict().items() if ablated.to_dict()[k] != v}
    assert len(diff) == 1
    expected = {
        "kappa": "kappa",
        "delays": "delays",
        "memory": "T_w",
        "scaffold": "shuffle_scaffold",
    }
    assert diff == {expected[name]}


def test_ablation_values():
    cfg = S2NetConfig()
    assert cfg.ablation("kappa").kappa == 0.0
    assert cfg.ablation("delays").delays is False
    assert cfg.ablation("memory").T_w < cfg.T_w
    assert cfg.ablation("scaffold").shuffle_scaffold is True
    with pytest.raises(ValueError, match="Unknown ablation"):
        cfg.ablation("noise")


def test_omega_scalar_and_per_parcel():
    np.testing.assert_allclose(S2NetConfig(f_omega=10.0).omega(3), 2 * np.pi * 10 * np.ones(3))
    cfg = S2NetConfig(f_omega=[10.0, 20.0, 30.0])
    assert cfg.f_omega == (10.0, 20.0, 30.0)  # stored as a tuple: hashable, immutable
    np.testing.assert_allclose(cfg.omega(3), 2 * np.pi * np.array([10.0, 20.0, 30.0]))
    with pytest.raises(ValueError, match="3 values for 4 parcels"):
        cfg.omega(4)


def test_yaml_round_trip_text_and_file(tmp_path):
    cfg = S2NetConfig(kappa=0.25, f_omega=[12.0, 14.5], encoder="delta", delays=False)
    assert S2NetConfig.from_yaml(cfg.to_yaml()) == cfg
    fname = tmp_path / "s2net.yaml"
    cfg.to_yaml(fname)
    assert S2NetConfig.from_yaml(fname) == cfg
    assert S2NetConfig.from_yaml(str(fname)) == cfg
    assert "kappa: 0.25" in fname.read_text()


def test_yaml_without_top_level_key_and_unknown_keys(tmp_path):
    assert S2NetConfig.from_yaml("kappa: 0.05\nT_w: 0.08\n") == S2NetConfig(kappa=0.05, T_w=0.08)
    with pytest.raises(ValueError, match=r"Unknown S2NetConfig parameter.*tau"):
        S2NetConfig.from_yaml("s2net:\n  tau: 0.01\n")
    with pytest.raises(FileNotFoundError, match="No S2NetConfig YAML"):
        S2NetConfig.from_yaml(tmp_path / "missing.yaml")


def test_config_is_immutable():
    cfg = S2NetConfig()
    with pytest.raises(AttributeError):
        cfg.kappa = 1.0


def test_f_omega_from_rates_bounds_and_silent_parcels():
    from s2decode.net import f_omega_from_rates
    from s2decode.spiketrains import SpikeTrains

    # rates 20, 2 and 0 Hz over two trials of 1 s
    trains = [np.arange(0, 1, 0.05), np.array([0.1, 0.6]), np.array([])]
    st = SpikeTrains.from_lists([trains, trains], 0.0, 1.0)
    assert f_omega_from_rates(st) == (20.0, 2.0, 1.0)
    assert f_omega_from_rates(st, min_rate=4.0) == (20.0, 4.0, 4.0)
    assert f_omega_from_rates(st, min_rate=4.0, max_rate=10.0) == (10.0, 4.0, 4.0)
    # below min_rate: the frequency given for silent parcels (one per parcel, or one)
    assert f_omega_from_rates(st, 4.0, silent=[7.0, 8.0, 9.0]) == (20.0, 8.0, 9.0)
    assert f_omega_from_rates(st, 4.0, 15.0, silent=6.0) == (15.0, 6.0, 6.0)
