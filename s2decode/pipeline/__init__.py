"""Decoding studies from a YAML file: schema, data per subject, runner and report.

``s2decode run pipelines/<name>.yaml`` loads a public dataset subject by subject,
cross-validates S2Decoder and peer baselines on the same splits and writes scores,
features, figures and an HTML report. One module per concept:

- :mod:`~s2decode.pipeline.spec`: the pydantic schema of a pipeline file,
  :func:`load_pipeline`, :class:`PipelineSpec`;
- :mod:`~s2decode.pipeline.errors`: :class:`PipelineError` and the wording of its lines;
- :mod:`~s2decode.pipeline.yamlfile`: reading a pipeline file (safe YAML 1.2);
- :mod:`~s2decode.pipeline.data`: :func:`dataset_subjects`, :func:`load_subject`,
  :func:`check_against_data`;
- :mod:`~s2decode.pipeline.run`: :func:`run_pipeline`;
- :mod:`~s2decode.pipeline.tables`: the output tables as CSV and Parquet, the features'
  effect sizes;
- :mod:`~s2decode.pipeline.model`: train once, apply later: :func:`fit_model`,
  :func:`save_model`, :func:`load_model`, :func:`model_info`, :class:`PipelineModel`;
- :mod:`~s2decode.pipeline.report`: :func:`write_report`.

The names are imported on first use, so ``import s2decode.pipeline`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module defining it (a static table)
_EXPORTS = {
    "load_pipeline": "spec",
    "PipelineSpec": "spec",
    "PipelineError": "errors",
    "check_against_data": "data",
    "dataset_subjects": "data",
    "load_subject": "data",
    "run_pipeline": "run",
    "write_report": "report",
    "PipelineModel": "model",
    "fit_model": "model",
    "load_model": "model",
    "model_info": "model",
    "save_model": "model",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
    return getattr(module, name)


def __dir__() -> list[str]:
    return list(__all__)
