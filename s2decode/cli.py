"""The ``s2decode`` command line.

``s2decode --help`` lists the commands; each has its own ``--help``.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from .errors import S2DecodeError

#: Exceptions that describe a user's mistake (bad file, key, argument, missing data) in their
#: message: the CLI prints the message alone. Anything else is a bug, reported as one line too,
#: with a pointer to ``--debug``.
USER_ERRORS = (S2DecodeError, ValueError, TypeError, KeyError, OSError, MemoryError)


def _parse_option(text: str) -> tuple[str, object]:
    """``key=value`` with the value read as YAML (numbers, lists, booleans, strings)."""
    import yaml

    if "=" not in text:
        raise argparse.ArgumentTypeError(f"options are KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    return key.strip(), yaml.safe_load(value)


def _add_option_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """``-o/--option KEY=VALUE`` (repeatable): dataset options given on the command line."""
    parser.add_argument(
        "-o", "--option", action="append", type=_parse_option, metavar="KEY=VALUE", help=help
    )


def _cmd_datasets(args: argparse.Namespace) -> int:
    from .datasets import available

    table = available(args.data_dir)
    print(table.to_string(index=False, max_colwidth=60))
    missing = table.loc[~table["present"], "name"].tolist()
    if missing:
        print(
            f"\nNot in the data directory: {', '.join(missing)}. "
            "Fetch one with `s2decode fetch NAME` (needs the internet)."
        )
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from .datasets import fetch

    path = fetch(args.name, data_dir=args.data_dir)
    print(f"{args.name}: {path if path is not None else 'nothing to download'}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .pipeline import run_pipeline

    run_pipeline(
        args.pipeline,
        args.out,
        data_dir=args.data_dir,
        workers=args.workers,
        scheduler=args.scheduler,
        cache=not args.no_cache,
        cache_dir=args.cache_dir,
        report=not args.no_report,
        progress=not args.quiet,
    )
    return 0


def _cmd_fit(args: argparse.Namespace) -> int:
    from .pipeline.model import check_model_path, fit_model

    check_model_path(args.save)  # before minutes of fitting, not after
    model = fit_model(args.pipeline, data_dir=args.data_dir, log=None if args.quiet else print)
    path = model.save(args.save)
    m = model.metadata
    print(
        f"{m['method']} of {model.spec.name} fitted on {m['n_trials']} trials of "
        f"{len(m['subjects'])} subject(s) ({', '.join(m['classes'])}): {path}"
    )
    return 0


def _subjects_arg(values: list[str] | None):
    """``--subjects all``, subject numbers or (BIDS) labels, as ``dataset.subjects`` takes
    them (the model's dataset checks them)."""
    if values is None:
        return None
    if values == ["all"]:
        return "all"
    return [int(v) if v.isdigit() else v for v in values]


def _cmd_predict(args: argparse.Namespace) -> int:
    from .pipeline.model import check_predictions_path, load_model, write_predictions

    check_predictions_path(args.out)
    subjects = _subjects_arg(args.subjects)
    options = dict(args.option or [])
    if "data_dir" in options:
        raise ValueError("give the data directory as --data-dir DIR, not -o data_dir=DIR")
    model = load_model(args.model)
    table = model.predictions(
        args.data_dir, subjects, options=options, log=None if args.quiet else print
    )
    path = write_predictions(table, args.out)
    line = f"{len(table)} trials of {table['subject'].nunique()} subject(s) predicted: {path}"
    if "y_true" in table:
        accuracy = float((table["y_true"] == table["y_pred"]).mean())
        line += f" (accuracy {accuracy:.3f} against the recordings' labels)"
    print(line)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .datasets import DatasetNotFoundError, available
    from .pipeline import PipelineError, load_pipeline
    from .pipeline.data import check_against_data, dataset_subjects
    from .pipeline.spec import BIDS, GENERATED_DATASETS

    status = 0
    for fname in args.files:
        try:
            spec = load_pipeline(fname)
        except (PipelineError, FileNotFoundError) as err:
            print(err, file=sys.stderr)
            status = 1
            continue
        line = f"{fname}: valid ({spec.name}: {spec.dataset.name}, cv {spec.cv.scheme})"
        if spec.dataset.name in GENERATED_DATASETS:
            pass  # generated from its options: the data checks ran with the schema's
        elif args.data_dir is None:
            line += "; data not checked (give --data-dir to check it against the recordings)"
        else:
            try:
                found = check_against_data(spec, args.data_dir, source=fname)
            except PipelineError as err:
                print(err, file=sys.stderr)
                status = 1
                continue
            except DatasetNotFoundError as err:
                if spec.dataset.name == BIDS:  # the pipeline names the folder: it is wrong
                    print(f"{fname}: dataset: {' '.join(str(err).split())}", file=sys.stderr)
                    status = 1
                    continue
                if spec.dataset.name in set(available(args.data_dir).query("present")["name"]):
                    # the dataset is there but not a subject the pipeline lists: `run` fails
                    print(
                        f"{fname}: dataset.subjects: {' '.join(str(err).split())}", file=sys.stderr
                    )
                    status = 1
                    continue
                line += f"; data not checked: {' '.join(str(err).split())}"
            else:
                if found:
                    line += f"; fits the data: {_data_summary(found)}"
                else:  # BIDS: the root and its subjects are there; trials are read by `run`
                    n = len(dataset_subjects(spec, args.data_dir))
                    line += (
                        f"; BIDS dataset found ({n} subject{'s' if n > 1 else ''}; its trials "
                        "are checked when read)"
                    )
        print(line)
        if args.show:
            print(spec.to_yaml())
    return status


def _data_summary(descriptions: dict) -> str:
    """``"1 subject, 160 Hz, 45 trials of 4.01 s"`` (ranges over several subjects)."""

    def span(values, fmt="{:g}") -> str:
        lo, hi = min(values), max(values)
        return fmt.format(lo) if lo == hi else f"{fmt.format(lo)}-{fmt.format(hi)}"

    d = list(descriptions.values())
    n = len(d)
    trials = span([x["n_trials"] for x in d])
    if not all(x["n_trials_exact"] for x in d):
        trials = f"up to {trials}"
    length = span([x["n_times"] / x["sfreq"] for x in d], "{:.3g}")
    return (
        f"{n} subject{'s' if n > 1 else ''}, {span([x['sfreq'] for x in d])} Hz, "
        f"{trials} trials of {length} s"
    )


def _cmd_report(args: argparse.Namespace) -> int:
    from .pipeline import write_report

    print(f"report: {write_report(args.out_dir)}")
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from .summary import summarize

    options = dict(args.option or [])
    if "data_dir" in options:
        raise ValueError("give the data directory as --data-dir DIR, not -o data_dir=DIR")
    print(summarize(args.dataset, data_dir=args.data_dir, **options))
    return 0


_DEBUG_HELP = "on an error, print the full traceback too"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``s2decode`` command."""
    from ._version import __version__

    parser = argparse.ArgumentParser(
        prog="s2decode",
        description="Neural decoding with S2-Net, an oscillatory spiking network on brain parcels.",
    )
    parser.add_argument("--version", action="version", version=f"s2decode {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    # `--debug` also after the command (`s2decode run --debug ...`); SUPPRESS keeps the main
    # parser's value where a subcommand does not set it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, parents=[common])
        p.add_argument(
            "--data-dir",
            default=None,
            help="data directory (default: $S2DECODE_DATA, else ~/s2decode_data)",
        )
        return p

    p = add("summary", "Load a dataset onto atlas parcels, build the scaffold, print a summary.")
    p.add_argument(
        "dataset",
        nargs="?",
        default="synthetic",
        help="dataset name (default: synthetic, generated offline; see `s2decode datasets`)",
    )
    _add_option_argument(p, "dataset option, e.g. -o subject=1 -o task=imagery (repeatable)")
    p.set_defaults(func=_cmd_summary)

    p = add("run", "Run a decoding pipeline (pipelines/*.yaml) and write its results and report.")
    p.add_argument("pipeline", help="pipeline YAML file, e.g. pipelines/quickstart.yaml")
    p.add_argument("--out", default=None, help="output folder (default: results/<name>)")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes of the local Dask cluster (default: one per CPU; 0: in-process)",
    )
    where.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="run on an existing Dask cluster instead (`dask scheduler` / `dask worker`)",
    )
    p.add_argument("--no-cache", action="store_true", help="recompute the S2 features")
    p.add_argument(
        "--cache-dir",
        default=None,
        help="feature cache (default: $S2DECODE_CACHE/pipeline-features)",
    )
    p.add_argument("--no-report", action="store_true", help="skip report.html and its figures")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_run)

    p = add(
        "fit",
        "Fit a pipeline's S2 decoder on all trials of its subjects and save it (skops).",
    )
    p.add_argument("pipeline", help="pipeline YAML file, e.g. pipelines/quickstart.yaml")
    p.add_argument(
        "--save",
        required=True,
        metavar="MODEL",
        help="model file to write, e.g. model.skops (see docs/fit_predict.md)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=_cmd_fit)

    p = add("predict", "Predict new recordings with a model of `s2decode fit`.")
    p.add_argument("model", metavar="MODEL", help="model file written by `s2decode fit --save`")
    p.add_argument(
        "--subjects",
        nargs="+",
        default=None,
        metavar="N",
        help="subject numbers (or BIDS labels) to read, or 'all' (default: the pipeline's "
        "dataset.subjects)",
    )
    _add_option_argument(p, "dataset option replacing the pipeline's, e.g. -o seed=1 (repeatable)")
    p.add_argument(
        "--out",
        default="predictions.csv",
        help="predictions file, .csv or .parquet (default: predictions.csv)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser(
        "validate",
        help="Check pipeline files against the schema (and, with --data-dir, the data).",
        description="Check pipeline files against the schema and, with --data-dir, against "
        "the recordings' headers; errors name the key and the fix.",
        parents=[common],
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="pipeline YAML file(s)")
    p.add_argument("--show", action="store_true", help="print the resolved pipeline")
    p.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="also check each pipeline against the recordings in DIR (sampling rate, trial "
        "count and length, read from the file headers in seconds); without it, only what "
        "the files themselves determine is checked ($S2DECODE_DATA is not read)",
    )
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "report",
        help="(Re)write report.html of a pipeline's output folder.",
        description="(Re)write report.html and its figures from a pipeline's output folder.",
        parents=[common],
    )
    p.add_argument("out_dir", metavar="OUT_DIR", help="output folder of `s2decode run`")
    p.set_defaults(func=_cmd_report)

    p = add("datasets", "List the public datasets, whether the data directory has them, and where.")
    p.set_defaults(func=_cmd_datasets)

    p = add("fetch", "Download a public dataset into the data directory (checksums verified).")
    p.add_argument("name", help="dataset name (see `s2decode datasets`)")
    p.set_defaults(func=_cmd_fetch)
    return parser


def error_message(command: str, err: BaseException) -> str:
    """What the CLI prints for an exception: the message alone where it is a user's mistake.

    Parameters
    ----------
    command : str
        The subcommand that failed (``"run"``, ``"validate"``, ...).
    err : BaseException
        The exception. A wrapper raised ``from`` a user error (a failed pipeline unit) counts
        as that user error.

    Returns
    -------
    message : str
        ``"s2decode COMMAND: error: MESSAGE"``, with a pointer to ``--debug`` for a bug.
    """
    text = str(err).strip() or type(err).__name__
    cause = err.__cause__
    if isinstance(err, USER_ERRORS) or isinstance(cause, USER_ERRORS):
        return f"s2decode {command}: error: {text}"
    return (
        f"s2decode {command}: error: {type(err).__name__}: {text} (unexpected: rerun with "
        "--debug for the traceback and report it at https://github.com/s2decode/s2decode/issues)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    A failure prints one line on stderr and returns 2 (``--debug``: the traceback too);
    Ctrl+C returns 130.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"s2decode {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if args.debug:
            traceback.print_exc()  # not `raise`: Brian2's excepthook would add its banner
        print(error_message(args.command, err), file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
