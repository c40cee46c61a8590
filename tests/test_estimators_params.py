"""The estimators' parameters have one source (s2decode.estimators.params).

S2Featurizer, S2Decoder and S2Regressor take the parameters of their tables, in order and with
their defaults, store them unchanged, and document every one of them.
"""

from __future__ import annotations

import inspect
import pydoc

import pytest
from sklearn.base import BaseEstimator, clone

from s2decode.estimators import S2Decoder, S2Featurizer, S2Regressor
from s2decode.estimators.decoder import DECODER_PARAMS, REGRESSOR_PARAMS
from s2decode.estimators.params import (
    FEATURIZER_PARAMS,
    Entry,
    Param,
    check_signature,
    doc_section,
    featurizer_params,
    fill_doc,
    make_init,
)

TABLES = {
    S2Featurizer: FEATURIZER_PARAMS,
    S2Decoder: FEATURIZER_PARAMS + DECODER_PARAMS,
    S2Regressor: FEATURIZER_PARAMS + REGRESSOR_PARAMS,
}


@pytest.mark.parametrize("cls", list(TABLES), ids=lambda c: c.__name__)
def test_signature_is_the_table(cls):
    check_signature(cls, TABLES[cls])
    params = inspect.signature(cls.__init__).parameters
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params.values())
    assert cls().get_params() == {p.name: p.default for p in TABLES[cls]}


@pytest.mark.parametrize("cls", list(TABLES), ids=lambda c: c.__name__)
def test_init_stores_every_parameter_unchanged(cls):
    values = {p.name: object() for p in TABLES[cls]}
    est = cls(**values)
    assert all(getattr(est, name) is value for name, value in values.items())
    positional = cls(*values.values())
    assert all(getattr(positional, name) is value for name, value in values.items())
    assert type(clone(cls(k=5))) is cls and clone(cls(k=5)).k == 5


@pytest.mark.parametrize("cls", list(TABLES), ids=lambda c: c.__name__)
def test_every_parameter_is_documented(cls):
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    for param in TABLES[cls]:
        assert f"{param.name} : {param.type}" in cls.__doc__
        assert f"{param.name} : " in text
    # one Parameters section, the parameters in signature order
    assert cls.__doc__.count("Parameters\n    ----------") == 1
    where = [cls.__doc__.index(f"\n    {p.name} : ") for p in TABLES[cls]]
    assert where == sorted(where)


def test_the_decoders_share_the_featurizer_parameters():
    assert set(featurizer_params()) == set(S2Featurizer._get_param_names())
    assert [(p.name, p.default) for p in DECODER_PARAMS] == [
        (p.name, p.default) for p in REGRESSOR_PARAMS
    ]
    decoder = S2Decoder(k=7, pairs="global", random_state=3)
    assert (
        decoder._featurizer().get_params()
        == S2Featurizer(k=7, pairs="global", random_state=3).get_params()
    )


def test_check_signature_names_a_drift():
    class Drifted(BaseEstimator):
        def __init__(self, a=1, b=3):
            self.a = a
            self.b = b

    table = (Param("a", "int", "A.", default=1), Param("b", "int", "B.", default=2))
    with pytest.raises(TypeError, match="Drifted"):
        check_signature(Drifted, table)
    check_signature(Drifted, (table[0], Param("b", "int", "B.", default=3)))


def test_make_init_and_the_docstring_table():
    table = (Param("alpha", "float", "\n    The alpha.\n    ", default=0.5),)
    init = make_init(table, "Made", __name__)
    assert init.__qualname__ == "Made.__init__"
    assert str(inspect.signature(init)) == "(self, alpha=0.5)"
    with pytest.raises(ValueError, match="keyword"):
        make_init((Param("class", "int", "x."),), "Made", __name__)
    with pytest.raises(ValueError, match="repeat"):
        make_init(table + table, "Made", __name__)
    assert doc_section(table) == "\n    alpha : float\n        The alpha.\n"
    assert (
        Entry("n", "int", "One\nTwo.").doc(8)
        == "        n : int\n            One\n            Two.\n"
    )


def test_fill_doc_puts_the_shared_entries():
    @fill_doc
    def f(X):
        """Doc.

        Parameters
        ----------
        %(X_fitted)s
        """

    assert "        X : DataArray | ndarray" in f.__doc__
    assert "            Trials of the kind (and shape) the featurizer" in f.__doc__
    assert S2Featurizer.transform.__doc__.count("X : DataArray") == 1
    assert "%(" not in S2Featurizer.simulate.__doc__
