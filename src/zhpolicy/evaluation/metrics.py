"""Scores: instrument labels with scikit-learn, entity spans by exact character match,
and how far they would move with other documents (a bootstrap over documents)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.utils import resample
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


def _scored_sets(gold: Iterable[Iterable[Span]], predicted: Iterable[Iterable[Span]],
                 types: Sequence[str]) -> Iterator[tuple[set[Span], set[Span]]]:
    """Per sentence, the gold and predicted spans of the scored types."""
    scored = set(types)
    for gold_spans, pred_spans in zip(gold, predicted):
        yield {s for s in gold_spans if s[2] in scored}, {s for s in pred_spans if s[2] in scored}


def span_scores(gold: Iterable[Iterable[Span]], predicted: Iterable[Iterable[Span]],
                types: Sequence[str]) -> dict:
    """Exact-match entity scores, per type and micro-averaged over `types`."""
    per_type = {t: PRFScore() for t in types}
    total = PRFScore()
    for gold_set, pred_set in _scored_sets(gold, predicted, types):
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


# Sentences of one report share its topics and style, so a test score varies
# with the choice of documents more than with that of sentences: resample
# whole documents.
BOOTSTRAP_SAMPLES = 1000


def document_bootstrap(documents: Sequence[str], statistics: Callable[[np.ndarray], Sequence[float]],
                       samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> list[tuple[float, float]]:
    """95% percentile intervals of each of `statistics(rows)` over `samples`
    resamples (with replacement) of whole documents; rows are sentence indices."""
    documents = np.asarray(documents)
    names = np.unique(documents)
    rows_of = {name: np.flatnonzero(documents == name) for name in names}
    values = []
    for i in range(samples):
        drawn = resample(names, replace=True, random_state=seed + i)
        values.append(statistics(np.concatenate([rows_of[name] for name in drawn])))
    low, high = np.percentile(np.asarray(values, dtype=float), [2.5, 97.5], axis=0)
    return [(round(float(a), 4), round(float(b), 4)) for a, b in zip(low, high)]


def macro_f(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(f1_score(y_true, y_pred, average="macro", zero_division=0))


def span_counts(gold: Iterable[Iterable[Span]], predicted: Iterable[Iterable[Span]],
                types: Sequence[str]) -> np.ndarray:
    """Per sentence: exact-match true positives, false positives and false negatives over `types`."""
    rows = [(len(gold_set & pred_set), len(pred_set - gold_set), len(gold_set - pred_set))
            for gold_set, pred_set in _scored_sets(gold, predicted, types)]
    return np.array(rows, dtype=int).reshape(-1, 3)


def micro_f_from_counts(counts: np.ndarray) -> float:
    tp, fp, fn = counts.sum(axis=0)
    return float(2 * tp / (2 * tp + fp + fn)) if tp else 0.0
