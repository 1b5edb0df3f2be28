"""Scores: instrument labels with scikit-learn, entity spans by exact character match."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from spacy.scorer import PRFScore

Span = tuple[int, int, str]


def label_scores(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict:
    """Per-label precision/recall/F1/support, plus macro and micro averages."""
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0,
                                                 labels=list(range(len(labels))))
    per_label = {label: {"p": round(float(p[i]), 4), "r": round(float(r[i]), 4), "f": round(float(f[i]), 4),
                         "support": int(s[i])} for i, label in enumerate(labels)}
    result = {"per_label": per_label}
    for average in ("macro", "micro"):
        ap, ar, af, _ = precision_recall_fscore_support(y_true, y_pred, average=average, zero_division=0)
        result[average] = {"p": round(float(ap), 4), "r": round(float(ar), 4), "f": round(float(af), 4)}
    return result


def span_scores(gold: Iterable[Iterable[Span]], predicted: Iterable[Iterable[Span]],
                types: Sequence[str]) -> dict:
    """Exact-match entity scores, per type and micro-averaged over `types`."""
    per_type = {t: PRFScore() for t in types}
    total = PRFScore()
    for gold_spans, pred_spans in zip(gold, predicted):
        gold_set = {s for s in gold_spans if s[2] in per_type}
        pred_set = {s for s in pred_spans if s[2] in per_type}
        for t in types:
            g = {s for s in gold_set if s[2] == t}
            q = {s for s in pred_set if s[2] == t}
            per_type[t].score_set(q, g)
        total.score_set(pred_set, gold_set)
    return {
        "per_type": {t: {"p": round(sc.precision, 4), "r": round(sc.recall, 4), "f": round(sc.fscore, 4),
                         "support": int(sc.tp + sc.fn)} for t, sc in per_type.items()},
        "micro": {"p": round(total.precision, 4), "r": round(total.recall, 4), "f": round(total.fscore, 4)},
    }
