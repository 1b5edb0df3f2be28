"""Evaluation stage: scores on a split, against a scikit-learn baseline and a peer tagger."""
