"""The scikit-learn baseline for instrument labels: TF-IDF over character
n-grams with a one-vs-rest linear classifier, thresholds tuned on dev like the
spaCy model's, so both are judged the same way.

It is the same linear model that the default pipeline averages with its text
classifier (training/blend.py), so the comparison shows what the pipeline adds
to the linear model on its own."""

from __future__ import annotations

import numpy as np

from zhpolicy.training.blend import fit_char_ngram_classifier
from zhpolicy.training.thresholds import apply_thresholds, tune_thresholds


def baseline_predictions(train_texts, y_train, dev_texts, y_dev, test_texts, labels) -> np.ndarray:
    """Fit on train, tune thresholds on dev, return 0/1 predictions for test."""
    model, fitted = fit_char_ngram_classifier(list(train_texts), y_train, list(labels))
    columns = [list(labels).index(label) for label in fitted]

    def scores(texts):
        full = np.zeros((len(texts), len(labels)))
        full[:, columns] = model.predict_proba(texts)
        return full

    thresholds = tune_thresholds(y_dev, scores(dev_texts), list(labels))
    return apply_thresholds(scores(test_texts), list(labels), thresholds).astype(int)
