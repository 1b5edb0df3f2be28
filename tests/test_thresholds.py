"""Per-label thresholds: tuned on dev, moved halfway back toward 0.5."""

import numpy as np

from zhpolicy.training.thresholds import apply_thresholds, tune_thresholds


def test_thresholds_are_the_dev_best_moved_halfway_to_one_half():
    # label a: positives score 0.12-0.2, negatives below 0.1, so 0.1 is the best cut;
    # label b has no positive in dev and keeps 0.5.
    y = np.array([[1, 0], [1, 0], [0, 0], [0, 0]])
    scores = np.array([[0.2, 0.9], [0.12, 0.1], [0.08, 0.3], [0.02, 0.7]])
    thresholds = tune_thresholds(y, scores, ["a", "b"])
    assert thresholds == {"a": 0.3, "b": 0.5}
    assert apply_thresholds(scores, ["a", "b"], thresholds).tolist() == [[False, True], [False, False],
                                                                          [False, False], [False, True]]
