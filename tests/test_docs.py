"""The code in README.md and docs/*.md runs as written.

Every fenced ``python`` block is one test case, ``<file>:<line of its opening fence>``. A block
runs on its own, in a fresh namespace and in an empty temporary working directory (what it
writes stays there): each block carries its own imports, none relies on an earlier one.

A block's first lines may say what it needs, as comments that readers see too:

``# needs: eegbci``
    a dataset of the data directory (names as in ``s2decode datasets``; several separated by
    commas). The block is skipped where ``S2DECODE_DATA`` is not set or lacks the dataset.
    A block that calls ``load("<dataset>", ...)`` on a recording must say so (checked here).
``# needs: results/quickstart``
    the output folder of ``s2decode run pipelines/quickstart.yaml``; the test makes it (in
    the working directory) by running that pipeline once per session, offline.

Shell blocks (``bash``, ``console``) are not run; every ``s2decode`` command line in them is
parsed by the CLI's own parser (``s2decode.cli.build_parser``), so a renamed command or option
fails here, and the pipeline files they name must exist.

Blocks that reveal a bug of the library are listed in ``XFAIL`` (by file and a piece of their
code) with the reason.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from s2decode.paths import DATA_ENV

from .conftest import find_data_dir

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: (file relative to the root, a piece of the block's code) -> why the block is expected to fail
XFAIL: dict[tuple[str, str], str] = {}

_FENCE = re.compile(r"^```\s*([\w+-]*)\s*$")
_NEEDS = re.compile(r"^#\s*needs:\s*(.+?)\s*(?:\(.*\))?$")
_LOAD = re.compile(r"""\bload\(\s*["'](\w+)["']""")
_SHELL = {"bash", "sh", "shell", "console"}
_RESULTS = "results/"


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str

    @property
    def name(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    @property
    def id(self) -> str:
        return f"{self.name}:{self.line}"

    @property
    def needs(self) -> list[str]:
        """What the ``# needs:`` comments at the top of the block name."""
        found = []
        for text in self.code.splitlines():
            match = _NEEDS.match(text.strip())
            if not text.strip():
                continue
            if match is None:
                break
            found += [part.strip() for part in match.group(1).split(",") if part.strip()]
        return found


def _blocks(path: Path) -> list[Block]:
    blocks, lang, start, body = [], None, 0, []
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        match = _FENCE.match(text)
        if lang is None:
            if match is not None:
                lang, start, body = match.group(1).lower(), number, []
        elif text.strip() == "```":
            blocks.append(Block(path, start, lang, "\n".join(body) + "\n"))
            lang = None
        else:
            body.append(text)
    assert lang is None, f"{path.name}:{start}: code block never closed"
    return blocks


BLOCKS = [block for path in DOC_FILES for block in _blocks(path)]
PYTHON = [block for block in BLOCKS if block.lang == "python"]


def _command_lines() -> list[tuple[str, list[str]]]:
    """(file:line, arguments after ``s2decode``) of every s2decode command in shell blocks."""
    found = []
    for block in BLOCKS:
        if block.lang not in _SHELL:
            continue
        for offset, text in enumerate(block.code.splitlines(), start=1):
            text = text.strip()
            if block.lang == "console":
                if not text.startswith("$ "):
                    continue  # output, not a command
                text = text[2:]
            words = shlex.split(text, comments=True)
            command: list[str] = []
            for word in [*words, ";"]:
                if word in {"&&", "||", ";", "|"}:
                    heads = [k for k, w in enumerate(command) if Path(w).name == "s2decode"]
                    if heads:
                        found.append(
                            (f"{block.name}:{block.line + offset}", command[heads[0] + 1 :])
                        )
                    command = []
                else:
                    command.append(word)
    return found


COMMANDS = _command_lines()


def _xfail_reason(block: Block) -> str | None:
    for (name, piece), reason in XFAIL.items():
        if name == block.name and piece in block.code:
            return reason
    return None


@pytest.fixture(scope="session")
def quickstart_results(tmp_path_factory) -> Path:
    """An output folder of the quickstart pipeline (offline, in this process).

    The same pipeline on half its trials and 2 folds: the same files, in a third of the time.
    """
    import yaml

    from s2decode.pipeline import run_pipeline
    from s2decode.pipeline.spec import PipelineSpec

    source = ROOT / "pipelines" / "quickstart.yaml"
    data = yaml.safe_load(source.read_text())
    data["dataset"]["options"]["n_trials"] = 20
    data["cv"]["n_splits"] = 2
    work = tmp_path_factory.mktemp("docs-quickstart")
    out = work / "quickstart"
    spec = PipelineSpec.from_dict(data, source=str(source))
    run_pipeline(spec, out, workers=0, cache_dir=work / "cache", report=False, progress=False,
                 log=lambda *args, **kwargs: None)  # fmt: skip
    return out


def _provide(need: str, request: pytest.FixtureRequest, cwd: Path) -> None:
    """Skip where a needed dataset is absent; put a needed results folder in ``cwd``."""
    if need.startswith(_RESULTS):
        pipeline = need.removeprefix(_RESULTS)
        assert pipeline == "quickstart", f"only results/quickstart can be made offline: {need}"
        shutil.copytree(request.getfixturevalue("quickstart_results"), cwd / need)
        return
    from s2decode.datasets import available, list_datasets

    assert need in list_datasets(), f"# needs: {need!r} is neither a dataset nor results/..."
    data_dir = find_data_dir()
    if data_dir is None:
        pytest.skip(f"needs the {need} recording (set {DATA_ENV} to the data directory)")
    table = available(data_dir).set_index("name")
    if not table.loc[need, "present"]:
        pytest.skip(f"{need} is not in the data directory {data_dir}")


@pytest.mark.parametrize("block", PYTHON, ids=[block.id for block in PYTHON])
def test_python_block_runs(block, request, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    for need in block.needs:
        _provide(need, request, tmp_path)
    reason = _xfail_reason(block)
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    # padded so that a traceback points at the line of the Markdown file
    source = "\n" * block.line + block.code
    exec(compile(source, str(block.path), "exec"), {"__name__": "__docs__"})


def test_blocks_say_which_recordings_they_need():
    from s2decode.datasets import list_datasets

    recordings = set(list_datasets()) - {"synthetic"}
    missing = []
    for block in PYTHON:
        loaded = set(_LOAD.findall(block.code)) & recordings
        if loaded - set(block.needs):
            missing.append(f"{block.id}: loads {sorted(loaded)} without '# needs: ...'")
    assert not missing, "\n".join(missing)


def test_docs_have_python_blocks():
    assert len(PYTHON) >= 8 and all(block.code.strip() for block in PYTHON)
    assert COMMANDS, "no s2decode command found in the shell blocks"


@pytest.mark.parametrize("where, args", COMMANDS, ids=[where for where, _ in COMMANDS])
def test_shell_commands_parse(where, args, capsys):
    from s2decode.cli import build_parser

    try:
        parsed = build_parser().parse_args(args)
    except SystemExit as exit_:
        assert exit_.code == 0, f"{where}: `s2decode {shlex.join(args)}`: {capsys.readouterr().err}"
        return
    for value in vars(parsed).values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.endswith((".yaml", ".yml")):
                assert (ROOT / item).is_file(), f"{where}: {item} does not exist"
