"""The documentation site (docs/conf.py): its API reference and, once built, its pages.

The API reference (``docs/api/*.rst``) is written by hand, grouped by sub-package; these
tests keep it equal to the public names: every name in the ``__all__`` of ``s2decode`` and of
its sub-packages has a page, and every name the reference lists exists and is public.

The site itself is built by ``sphinx-build -W --keep-going -b html docs docs/_build/html``
(CI does it before pytest). Where it has been built, the tests check that every page the
sources promise is there and open a few pages in headless Chromium (Playwright driving the
system Chromium, as for the pipeline report): no console or page errors, no request leaving
the machine, every image loads. They skip where the site has not been built, or where
playwright or Chromium is absent.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
import shutil
import sys
from pathlib import Path

import pytest

import s2decode

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"

_DIRECTIVE = re.compile(r"^\.\. (\w+)::\s*(\S*)\s*$")


def _public_modules() -> list[str]:
    """``s2decode``, its sub-packages, and its top-level public modules that export names in
    ``__all__`` (``s2decode.energy``, ``s2decode.peers``, ...)."""
    names = []
    for info in pkgutil.iter_modules(s2decode.__path__):
        if info.name.startswith("_"):
            continue
        if info.ispkg or hasattr(importlib.import_module(f"s2decode.{info.name}"), "__all__"):
            names.append(info.name)
    return ["s2decode", *(f"s2decode.{name}" for name in sorted(names))]


def _reference() -> dict[str, list[str]]:
    """Page of docs/api -> the full names its ``autosummary`` blocks list."""
    pages = {}
    for page in sorted((DOCS / "api").glob("*.rst")):
        if page.name == "index.rst":
            continue
        names, module, in_summary = [], None, False
        for line in page.read_text().splitlines():
            directive = _DIRECTIVE.match(line)
            if directive:
                kind, argument = directive.groups()
                in_summary = kind == "autosummary"
                if kind == "currentmodule":
                    module = argument
                continue
            if not in_summary:
                continue
            if line and not line[0].isspace():
                in_summary = False  # the block ended
                continue
            entry = line.strip()
            if not entry or entry.startswith(":"):  # blank, or an option (:toctree:)
                continue
            assert module, f"{page.name}: an autosummary before any currentmodule"
            names.append(f"{module}.{entry}")
        pages[page.name] = names
    return pages


def _resolve(full_name: str):
    module, name = full_name.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def test_api_reference_lists_every_public_name():
    documented = [name for names in _reference().values() for name in names]
    objects = {id(_resolve(name)) for name in documented}
    missing = []
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        assert hasattr(module, "__all__"), f"{module_name} has no __all__"
        for name in module.__all__:
            if name == "__version__":
                continue
            full = f"{module_name}.{name}"
            # a name exported twice (s2decode.S2Decoder is s2decode.estimators.S2Decoder) is
            # documented once
            if full not in documented and id(getattr(module, name)) not in objects:
                missing.append(full)
    assert not missing, (
        "public names without a page in the API reference (add them to the autosummary "
        f"lists of docs/api/<sub-package>.rst): {missing}"
    )


def test_api_reference_names_exist_and_are_public():
    wrong = []
    for page, names in _reference().items():
        assert names, f"docs/api/{page} lists no names"
        for full in names:
            module_name, name = full.rsplit(".", 1)
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                wrong.append(f"{page}: {full} (no module {module_name})")
                continue
            if name not in getattr(module, "__all__", ()):
                wrong.append(f"{page}: {full} (not in {module_name}.__all__)")
    assert not wrong, f"the API reference lists names that are gone or private: {wrong}"


def test_every_public_module_has_a_page():
    pages = {page.stem for page in (DOCS / "api").glob("*.rst")} - {"index"}
    root = {id(getattr(s2decode, name)) for name in s2decode.__all__}
    modules = {
        name.rsplit(".", 1)[-1]
        for name in _public_modules()
        # a module whose every name the root exports (s2decode.errors) is on the root's page
        if name == "s2decode"
        or any(id(getattr(importlib.import_module(name), n)) not in root
               for n in importlib.import_module(name).__all__)
    }  # fmt: skip
    assert modules == pages, "docs/api/<name>.rst, one per public (sub-)package or module"
    index = (DOCS / "api" / "index.rst").read_text()
    for page in pages:
        assert re.search(rf"^   {page}$", index, re.MULTILINE), f"api/index.rst lacks {page}"


def test_reference_parser_reads_a_page():
    """The autosummary reader sees names (a format change would make the checks vacuous)."""
    names = _reference()["net.rst"]
    assert "s2decode.net.S2NetConfig" in names and "s2decode.net.simulate" in names
    assert "s2decode.net.ABLATIONS" in names


# ------------------------------------------------------------------------------ built site
def _built_or_skip() -> Path:
    if not (HTML / "index.html").is_file():
        pytest.skip(
            "the documentation site is not built (.venv/bin/sphinx-build -W --keep-going "
            "-b html docs docs/_build/html)"
        )
    return HTML


def test_built_site_has_every_page():
    html = _built_or_skip()
    expected = [f"{page.stem}.html" for page in DOCS.glob("*.md")]
    expected += ["readme.html", "pipelines.html", "api/index.html"]
    expected += [f"notebooks/{nb.stem}.html" for nb in (ROOT / "notebooks").glob("*.ipynb")]
    expected += [
        f"benchmarks/{table.stem}.html" for table in (ROOT / "benchmarks/results").glob("*.md")
    ]
    for names in _reference().values():
        expected += [f"api/generated/{name}.html" for name in names]
    missing = [page for page in expected if not (html / page).is_file()]
    assert not missing, f"pages missing from {html} (rebuild the site): {missing}"


def _browser_or_skip():
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright is not installed")
    if not (shutil.which("chromium") or Path("/usr/bin/chromium").is_file()):
        pytest.skip("no Chromium (apt-get install chromium)")


def _screenshot_script():
    """``benchmarks/screenshot_report.py`` (a script, not a package), imported privately."""
    key = "_s2decode_bench_screenshot_report"
    if key not in sys.modules:
        path = ROOT / "benchmarks" / "screenshot_report.py"
        spec = importlib.util.spec_from_file_location(key, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def _pages_to_open() -> list[str]:
    pages = ["index.html", "api/generated/s2decode.estimators.S2Decoder.html"]
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if notebooks:  # the figures of a notebook are images of the site
        pages.append(f"notebooks/{notebooks[0].stem}.html")
    return pages


@pytest.mark.parametrize("page", _pages_to_open())
def test_page_renders_in_headless_chromium(page, tmp_path):
    html = _built_or_skip()
    _browser_or_skip()
    path = html / page
    assert path.is_file(), f"{path} is missing: rebuild the site"
    result = _screenshot_script().screenshot(path, tmp_path / "page.png")
    assert result["console_errors"] == [], result["console_errors"]
    assert result["page_errors"] == [], result["page_errors"]
    assert result["blocked_requests"] == [], "the site must work offline"
    assert result["images_broken"] == 0, f"{result['images_broken']} images did not load"
    text = path.read_text()
    assert "s2decode" in text
    if page.startswith("notebooks/"):
        assert result["images"] >= 1 and text.count("<img ") >= 1
    if page.startswith("api/"):
        assert 'id="s2decode.estimators.S2Decoder.fit"' in text
