"""s2decode._checks: the shared argument checks say what is wrong with which argument."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from s2decode import _checks
from s2decode._checks import check_number, check_option, check_seed


def test_check_option():
    assert check_option(8, (4, 8), "neighbours") == 8
    with pytest.raises(ValueError, match=r"`neighbours` must be one of \(4, 8\), got 6"):
        check_option(6, (4, 8), "neighbours")
    with pytest.raises(ValueError, match="one of"):
        check_option([1], ("a",), "x")  # unhashable


@pytest.mark.parametrize(
    ("value", "kwargs", "message"),
    [
        (-1.0, {"low": 0, "unit": "seconds"}, "a non-negative number of seconds"),
        (0.0, {"low": 0, "strict_low": True}, "a positive number"),
        (2.0, {"low": 0, "high": 1}, r"a number in \[0, 1\]"),
        (0.0, {"low": 0, "high": 1, "strict_low": True}, r"a number in \(0, 1\]"),
        (1.5, {"low": 1, "integer": True}, "an integer >= 1"),
        (True, {}, "a finite number"),
        ("3", {}, "a finite number"),
        (np.nan, {}, "a finite number"),
    ],
)
def test_check_number_refuses_with_the_bound(value, kwargs, message):
    with pytest.raises(ValueError, match=rf"`x` must be {message}"):
        check_number(value, "x", **kwargs)


def test_check_number_returns_the_type_asked():
    assert check_number(np.int64(3), "n", low=1, integer=True) == 3
    assert isinstance(check_number(np.int64(3), "n", integer=True), int)
    assert isinstance(check_number(1, "x"), float)


def test_check_seed():
    rng = np.random.default_rng(1)
    assert check_seed(rng) is rng
    assert check_seed(5).integers(1000) == np.random.default_rng(5).integers(1000)
    with pytest.raises(TypeError, match="`seed` must be an int"):
        check_seed(1.5)


def test_examples_run():
    result = doctest.testmod(_checks)
    assert result.failed == 0 and result.attempted > 0
