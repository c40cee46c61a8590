"""How much of S2Decoder's hatsopoulos2004 score is its final classifier's?

    python benchmarks/rates_classifiers.py [--data-dir DIR]

Scores the raw firing rates (143 units, 158 reaches, 8 directions) with the benchmark's peer
(StandardScaler + logistic regression) and with S2Decoder's final estimator (StandardScaler +
shrinkage LDA) on the folds of ``benchmarks/decoding.py`` (stratified 5-fold, shuffled, seed 0),
and prints mean +- sd accuracy of each.
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from s2decode.datasets import load
from s2decode.estimators import default_classifier


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    trials = load("hatsopoulos2004", data_dir=args.data_dir)
    X, y = trials.values[:, :, 0], trials.y.values.astype(str)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)  # as benchmarks/decoding.py
    models = {
        "firing rates + LR (the benchmark's peer)": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=2000)
        ),
        "firing rates + shrinkage LDA (S2Decoder's final estimator)": default_classifier(),
    }
    for name, model in models.items():
        scores = cross_val_score(model, X, y, cv=cv)
        print(f"{name:<60} {scores.mean():.3f} +- {np.std(scores, ddof=1):.3f}")


if __name__ == "__main__":
    main()
