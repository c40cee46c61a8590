"""The shared docstring filler (s2decode._docs): fragments written once, indented in place."""

from __future__ import annotations

import doctest

import pytest

from s2decode import _docs
from s2decode._docs import doc_filler, fill_docstring


def test_fragment_takes_the_indentation_of_its_line():
    fill_doc = doc_filler({"n": "n : int\n    How many.\n\n    At least one."})

    @fill_doc
    def f(n):
        """F.

        Parameters
        ----------
        %(n)s
        """

    class C:
        @fill_doc
        def m(self, n):
            """M.

            Parameters
            ----------
            %(n)s
            """

    assert "\n        n : int\n            How many.\n\n            At least one.\n" in f.__doc__
    assert "\n            n : int\n                How many.\n" in C.m.__doc__
    assert "%(" not in f.__doc__ + C.m.__doc__


def test_inline_placeholder_and_literal_percent():
    doc = "    x : float\n        %(what)s, 50% of it (%(what)s again).\n"
    filled = fill_docstring(doc, {"what": "The share\nof all"})
    assert filled == (
        "    x : float\n        The share\n        of all, 50% of it (The share\n"
        "        of all again).\n"
    )


def test_unknown_placeholder_names_the_owner_and_the_fragments():
    fill_doc = doc_filler({"a": "A."})

    def f():
        """%(b)s"""

    with pytest.raises(KeyError, match=r"f: the docstring's placeholder %\(b\)s.*\['a'\]"):
        fill_doc(f)


def test_fragments_are_copied_and_no_docstring_is_left_alone():
    fragments = {"a": "first"}
    fill_doc = doc_filler(fragments)
    fragments["a"] = "changed"

    def f():
        """%(a)s"""

    def g():
        pass

    assert fill_doc(f).__doc__ == "first"
    assert fill_doc(g).__doc__ is None


def test_module_examples():
    result = doctest.testmod(_docs)
    assert result.attempted >= 2 and result.failed == 0
