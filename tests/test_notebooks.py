"""Every notebook in notebooks/ runs top to bottom without error.

A notebook that reads recordings names their datasets in its metadata,
``{"s2decode": {"datasets": ["eegbci", ...]}}``; it is skipped where the data directory
(``S2DECODE_DATA``) does not hold them all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def needed_datasets(path: Path) -> list[str]:
    """The datasets a notebook's metadata says it reads (none for an offline notebook)."""
    metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    return list(metadata.get("s2decode", {}).get("datasets", []))


def skip_without_datasets(names: list[str]) -> None:
    """Skip the test where the data directory lacks one of ``names``."""
    if not names:
        return
    from s2decode.datasets import available

    table = available().set_index("name")
    unknown = sorted(set(names) - set(table.index))
    assert not unknown, f"unknown datasets in the notebook's metadata: {unknown}"
    missing = [name for name in names if not bool(table.loc[name, "present"])]
    if missing:
        pytest.skip(f"datasets not in the data directory (S2DECODE_DATA): {missing}")


def test_notebook_metadata_names_known_datasets():
    """The metadata flags are read (a typo would make a notebook skip, or fail, silently)."""
    from s2decode.datasets import list_datasets

    known = set(list_datasets())
    for path in NOTEBOOKS:
        names = needed_datasets(path)
        assert set(names) <= known, f"{path.name}: unknown datasets {set(names) - known}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    skip_without_datasets(needed_datasets(path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3").execute(cwd=str(path.parent))
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
