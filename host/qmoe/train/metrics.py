"""Classification metrics for one fold and their summary over folds."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score


def fold_metrics(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict:
    """Accuracy, macro-F1, weighted-F1 and the confusion matrix (rows = true class)."""
    labels = list(range(n_classes))
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
        ),
        "weighted_f1": float(
            f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0)
        ),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1; 0 for a single value)."""
    a = np.asarray(values, dtype=np.float64)
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else 0.0


def pct_text(mean: float, std: float | None, n: int) -> str:
    """A fraction over n folds as "58.6 ± 5.8" (percent); one fold has no spread to show, so
    it is "58.6 (1 fold)" rather than "± 0.0"."""
    if std is None:
        return f"{100 * mean:.1f}"
    if n < 2:
        return f"{100 * mean:.1f} (1 fold)"
    return f"{100 * mean:.1f} ± {100 * std:.1f}"
