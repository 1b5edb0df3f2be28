"""Score intervals from resampling whole documents."""

import numpy as np

from zhpolicy.evaluation.metrics import document_bootstrap, macro_f, micro_f_from_counts, span_counts


def test_an_interval_spans_the_documents_scores_and_repeats_with_the_seed():
    # Document a is tagged perfectly, b wrongly: a resample scores anywhere from 0 to 1.
    documents = ["a"] * 4 + ["b"] * 4
    y_true = np.array([[1, 0], [0, 1], [1, 0], [0, 1]] * 2)
    y_pred = np.vstack([y_true[:4], 1 - y_true[4:]])
    statistic = lambda rows: [macro_f(y_true[rows], y_pred[rows])]
    (low, high), = document_bootstrap(documents, statistic, samples=200)
    assert low == 0.0 and high == 1.0
    assert document_bootstrap(documents, statistic, samples=200) == [(low, high)]
    # Perfect everywhere: no spread at all.
    assert document_bootstrap(documents, lambda rows: [macro_f(y_true[rows], y_true[rows])], samples=50) == [(1.0, 1.0)]


def test_entity_counts_add_up_to_the_micro_score():
    gold = [[(0, 2, "GPE"), (3, 5, "ORG")], [(0, 4, "DATE")]]
    predicted = [[(0, 2, "GPE"), (3, 6, "ORG")], [(0, 4, "DATE"), (5, 6, "MONEY")]]
    counts = span_counts(gold, predicted, ["GPE", "ORG", "DATE"])  # MONEY is not scored here
    assert counts.tolist() == [[1, 1, 1], [1, 0, 0]]
    assert micro_f_from_counts(counts) == 2 * 2 / (2 * 2 + 1 + 1)
