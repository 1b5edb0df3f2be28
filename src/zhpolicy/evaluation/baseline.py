"""The scikit-learn baseline for instrument labels: TF-IDF over character
n-grams with a one-vs-rest linear classifier, thresholds tuned on dev like the
spaCy model's, so both are judged the same way."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline

from zhpolicy.training.thresholds import apply_thresholds, tune_thresholds


def make_baseline():
    return make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True),
        OneVsRestClassifier(LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000)),
    )


def baseline_predictions(train_texts, y_train, dev_texts, y_dev, test_texts, labels) -> np.ndarray:
    """Fit on train, tune thresholds on dev, return 0/1 predictions for test."""
    present = y_train.sum(axis=0) > 0  # a label with no training positive cannot be learnt
    model = make_baseline().fit(train_texts, y_train[:, present])

    def scores(texts):
        full = np.zeros((len(texts), len(labels)))
        full[:, present] = model.predict_proba(texts)
        return full

    thresholds = tune_thresholds(y_dev, scores(dev_texts), list(labels))
    return apply_thresholds(scores(test_texts), list(labels), thresholds).astype(int)
