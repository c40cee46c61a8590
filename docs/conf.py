"""Sphinx configuration of the s2decode documentation site.

Build it (offline, warnings as errors, as CI does) from the repository root::

    .venv/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

The site is made of

- the user guide: README.md (``readme.rst``), ``docs/*.md`` and ``pipelines/README.md``;
- the API reference: ``api/*.rst`` list every public class and function (names in the
  ``__all__`` of ``s2decode`` and its sub-packages; ``tests/test_docs_site.py`` checks that the
  lists and ``__all__`` agree); autosummary writes one page per name into ``api/generated/``;
- the notebooks of ``notebooks/``, copied into ``notebooks/`` here and rendered by myst-nb
  from their committed outputs;
- the benchmark tables of ``benchmarks/results/*.md``, included by pages written into
  ``benchmarks/`` here.

The copied and written files are build products (git ignores them); they are refreshed at the
start of every build, and rewritten only when their content changes so that incremental
builds stay incremental.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # the checkout, also where s2decode is not installed

import s2decode  # noqa: E402

# -- project -----------------------------------------------------------------------------------
project = "s2decode"
author = "The s2decode developers"
copyright = "The s2decode developers, BSD-3-Clause"
version = release = s2decode.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",  # also registers myst_parser for the Markdown pages
    "sphinx_copybutton",
]
# No intersphinx: the site builds offline and fetches nothing. References to other projects'
# objects stay plain text.

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "_templates", "**.ipynb_checkpoints"]
language = "en"

# References to s2decode objects must resolve (a renamed or removed name fails the build);
# references to other projects' objects (numpy.ndarray, ...) cannot, without intersphinx, and
# are let go: see _missing_reference below.
nitpicky = True

# -- API reference -----------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
# the class template (_templates/autosummary/class.rst) lists members, inherited ones too
autodoc_default_options: dict[str, object] = {}
autodoc_typehints = "none"  # numpydoc's Parameters sections already give the types
autodoc_member_order = "bysource"
autoclass_content = "class"
numpydoc_show_class_members = False  # the class template lists the members
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- Markdown and notebooks --------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "deflist"]
myst_heading_anchors = 3
# The notebooks are rendered from their committed outputs and never executed here: CI already
# executes every notebook once, in tests/test_notebooks.py.
nb_execution_mode = "off"
nb_merge_streams = True

# -- HTML --------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"s2decode {version}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}


# -- pages made from files outside docs/ -------------------------------------------------------
def _write_if_changed(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless it already holds exactly that (keeps mtimes)."""
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _sync(folder: Path, wanted: dict[str, bytes], pattern: str) -> None:
    """Make the files of ``folder`` matching ``pattern`` exactly ``wanted`` (name -> bytes)."""
    for name, data in wanted.items():
        _write_if_changed(folder / name, data)
    for stale in folder.glob(pattern):
        if stale.name not in wanted:
            stale.unlink()


def _benchmark_page(table: Path) -> bytes:
    relative = os.path.relpath(table, DOCS / "benchmarks")
    return (
        f"<!-- written by docs/conf.py from {table.relative_to(ROOT)}; edit that file -->\n\n"
        f"```{{include}} {relative}\n:relative-images:\n```\n"
    ).encode()


def _prune_api_stubs() -> None:
    """Remove the pages autosummary wrote for names the API reference no longer lists."""
    for stub in (DOCS / "api" / "generated").glob("*.rst"):
        module, name = stub.stem.rsplit(".", 1)
        page = DOCS / "api" / f"{module.rsplit('.', 1)[-1]}.rst"
        listed = page.is_file() and re.search(
            rf"^\s+{re.escape(name)}\s*$", page.read_text(), flags=re.MULTILINE
        )
        if not listed:
            stub.unlink()


_prune_api_stubs()
_sync(
    DOCS / "notebooks",
    {nb.name: nb.read_bytes() for nb in sorted((ROOT / "notebooks").glob("*.ipynb"))},
    "*.ipynb",
)
_sync(
    DOCS / "benchmarks",
    {t.name: _benchmark_page(t) for t in sorted((ROOT / "benchmarks" / "results").glob("*.md"))},
    "*.md",
)


# -- links between the site's pages and the repository's files ---------------------------------
# README.md, pipelines/README.md and docs/*.md link to the repository's files by their paths
# (docs/sync.md, benchmarks/results/binding.md, ...), which is right on GitHub. Here a link to a
# file the site renders goes to its page; a link to another file or folder of the repository
# (a script, a .txt log) keeps its text, unlinked; a link to a path that does not exist is left
# alone, so that MyST reports it (and the build fails).
def _page_of(path: Path, found_docs: set[str]) -> str | None:
    """The docname of the site page that renders the repository file ``path``, if any."""
    try:
        relative = path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return None
    stem = Path(relative).stem
    pages = {
        "README.md": "readme",
        "pipelines/README.md": "pipelines",
        f"benchmarks/results/{stem}.md": f"benchmarks/{stem}",
        f"notebooks/{stem}.ipynb": f"notebooks/{stem}",
    }
    if relative.startswith("docs/") and relative.endswith((".md", ".rst", ".ipynb")):
        docname = relative.removeprefix("docs/").rsplit(".", 1)[0]
    else:
        docname = pages.get(relative)
    return docname if docname in found_docs else None


def _link_candidates(node, docname: str) -> list[Path]:
    """Where the file a MyST link names may be: beside the linking file, or the document."""
    target = node["reftarget"].split("#", 1)[0]
    if node.get("refdomain") == "doc":  # a path outside docs/, without its suffix
        return [Path(target + suffix) for suffix in (".md", ".ipynb")] if target else []
    bases = []
    source = node.source or ""
    if source and not source.startswith("<"):
        # an included file (README.md) is named relative to the working directory
        bases += [Path(source).parent, (Path.cwd() / source).parent, (ROOT / source).parent]
    bases.append((DOCS / docname).parent)
    return [base / target for base in bases] if target else []


def _link_repository_files(app, doctree) -> None:
    from docutils import nodes
    from sphinx import addnodes

    env = app.env
    for node in list(doctree.findall(addnodes.pending_xref)):
        if node.get("reftype") != "myst" or node.get("reftarget") in env.found_docs:
            continue
        if node.get("refdomain") not in ("doc", None):
            continue
        candidates = [c for c in _link_candidates(node, env.docname) if c.exists()]
        if not candidates:
            continue  # a broken link: MyST warns
        docname = _page_of(candidates[0], env.found_docs)
        if docname is None:  # a file or folder of the repository with no page here
            node.replace_self(nodes.literal("", "", *node.children[0].children))
            continue
        anchor = node.get("reftargetid")
        if node.get("refdomain") is None and "#" in node["reftarget"]:
            anchor = node["reftarget"].split("#", 1)[1]
        link = addnodes.pending_xref(
            "",
            *node.children,
            refdomain="doc",
            reftarget=docname,
            reftargetid=anchor or None,
            refdoc=env.docname,
            reftype="myst",
            refexplicit=node.get("refexplicit", False),
        )
        link.source, link.line = node.source, node.line
        node.replace_self(link)


# -- the user guide: docs/*.md ---------------------------------------------------------------
# guide.rst lists the pages in reading order; a page of docs/*.md it does not name yet is
# appended to its toctree (at the end), so that a new page is in the site from its first build.
def _guide_pages(app, docname, source) -> None:
    if docname != "guide":
        return
    text = source[0]
    named = set(re.findall(r"^ {3}(?:[^<\n]*<)?([\w/-]+)>?\s*$", text, flags=re.MULTILINE))
    extra = [page.stem for page in sorted(DOCS.glob("*.md")) if page.stem not in named]
    source[0] = text.rstrip("\n") + "\n" + "".join(f"   {stem}\n" for stem in extra)


def _guide_outdated(app, env, added, changed, removed) -> list[str]:
    return ["guide"] if "guide" in env.found_docs else []  # re-read: docs/*.md may be new


# -- API reference details ---------------------------------------------------------------------
def _defined_in(obj) -> str | None:
    """The module that defines a class member (a method, property, descriptor), if known."""
    if isinstance(obj, property):
        obj = obj.fget
    obj = getattr(obj, "__func__", obj)  # classmethod, staticmethod
    owner = getattr(obj, "__objclass__", None)  # slot and C descriptors
    if owner is not None:
        return owner.__module__
    if callable(obj) and hasattr(obj, "__qualname__"):
        return getattr(obj, "__module__", None) or "builtins"
    return None


def _skip_member(app, what, name, obj, skip, options):
    # Classes show their members and those they inherit from s2decode's (private) bases; not
    # what they inherit from other projects (scikit-learn's get_params and metadata-routing
    # setters, pydantic's model_dump, Exception's with_traceback): those are documented there
    # (and their docstrings reference those projects' glossaries).
    if what != "class":
        return None
    module = _defined_in(obj)
    if module is not None and not module.startswith("s2decode"):
        return True
    if name == "model_config":  # pydantic's settings of a model
        return True
    return None


def _public_bases(app, name, obj, options, bases) -> None:
    # "Bases: _S2Supervised" would name a class the reference does not document
    bases[:] = [base for base in bases if not base.__name__.startswith("_")]


def _constant_doc(app, what, name, obj, options, lines) -> None:
    # A constant (a tuple, a dict) has no docstring of its own: autodoc would show its type's.
    # Its ``#:`` comment is in the module that assigns it, not the package that exports it.
    if what != "data":
        return
    from sphinx.pycode import ModuleAnalyzer

    package, attr = name.rsplit(".", 1)
    lines[:] = []
    for modname, module in sorted(sys.modules.items()):
        if not (modname == package or modname.startswith(package + ".")):
            continue
        if getattr(module, attr, None) is not obj:
            continue
        try:
            comment = ModuleAnalyzer.for_module(modname).find_attr_docs().get(("", attr))
        except Exception:  # a module without readable source
            continue
        if comment:
            lines[:] = list(comment)
            return


def _has(obj, name: str) -> bool:
    """``obj.name`` exists (a dataclass or pydantic field without a default counts)."""
    fields = {**getattr(obj, "__dataclass_fields__", {}), **getattr(obj, "model_fields", {})}
    try:
        return hasattr(obj, name) or name in fields
    except Exception:  # a lazy attribute (module __getattr__) that fails to import
        return False


def _resolution(target: str) -> bool | None:
    """Whether ``target`` (``s2decode.x.y``) names an existing module or object.

    ``None`` where not even its first part is an importable module.
    """
    parts = target.split(".")
    for stop in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:stop]))
        except ImportError:
            continue
        for part in parts[stop:]:
            if not _has(obj, part):
                return False
            obj = getattr(obj, part, None)
        return True
    return None


def _missing_reference(app, domain, node) -> bool | None:
    # Called for every unresolved reference (nitpicky). Without intersphinx, references to
    # other projects (numpy.ndarray, xarray.DataArray) cannot resolve: they stay plain text.
    # A docstring may also name an s2decode object that has no page here (a private module's
    # helper, a module of the data model): plain text too. A reference to an s2decode name
    # that does not exist (renamed, removed, misspelt) is reported and fails the build: a
    # full name (s2decode.x.y), or a short one whose first part is a name of the current
    # module (S2NetConfig.ablate in s2decode.net).
    if domain is None or domain.name != "py":
        return None  # :doc:, :ref:, ... must resolve
    target = node.get("reftarget", "")
    if target.startswith("s2decode."):
        return True if _resolution(target) else None
    module = node.get("py:module") or ""
    if not module.startswith("s2decode"):
        return True
    scopes = [module]
    if node.get("py:class"):
        scopes.insert(0, f"{module}.{node['py:class']}")
    head = target.split(".", 1)[0]
    for scope in scopes:
        if _resolution(f"{scope}.{head}"):
            return True if _resolution(f"{scope}.{target}") else None
    return True


def setup(app):
    app.connect("source-read", _guide_pages)
    app.connect("env-get-outdated", _guide_outdated)
    app.connect("doctree-read", _link_repository_files, priority=100)
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("autodoc-process-bases", _public_bases)
    app.connect("autodoc-process-docstring", _constant_doc)
    app.connect("warn-missing-reference", _missing_reference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
