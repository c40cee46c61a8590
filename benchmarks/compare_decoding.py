"""Compare the fold scores of decoding-benchmark runs with a reference run, row by row.

Each row (task and method) of every ``decoding.csv`` given is looked up in the reference
``decoding.csv`` and printed with ``same`` (every fold score equal, to the 4 decimals the
CSV keeps, in the same order), ``differs`` (with both lists) or ``new`` (not in the
reference). The late-fusion rows are matched by family, whatever their name. The last line
counts them: ``same: <a>/<n>``.

Usage::

    python benchmarks/compare_decoding.py benchmarks/results/decoding.csv RUN/decoding.csv ...
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd


def _rows(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    frame.loc[frame["family"] == "stacked", "method"] = "(late fusion)"
    return frame.set_index(["task", "method"])


def compare(reference: Path, runs: Sequence[Path]) -> list[str]:
    """One line per row of ``runs``, then the count of rows equal to the reference."""
    ref = _rows(reference)
    lines, same, n = [], 0, 0
    for run in runs:
        for (task, method), row in _rows(run).iterrows():
            n += 1
            if (task, method) not in ref.index:
                lines.append(f"{task} | {method} | new ({run})")
                continue
            old = ref.loc[(task, method), "fold_scores"]
            if row["fold_scores"] == old:
                same += 1
                lines.append(f"{task} | {method} | same ({row['n_folds']} folds)")
            else:
                lines.append(f"{task} | {method} | differs: {row['fold_scores']} vs {old}")
    lines.append(f"same: {same}/{n}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="the reference decoding.csv")
    parser.add_argument("runs", type=Path, nargs="+", help="decoding.csv files to compare")
    args = parser.parse_args(argv)
    print("\n".join(compare(args.reference, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
