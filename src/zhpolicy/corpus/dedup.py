"""Duplicate detection: whole documents that are near-copies, and sentences
repeated across documents."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

SHINGLE = 5
# A document whose 5-character shingles are this much contained in another
# (larger or earlier) document is the same text republished.
NEAR_COPY_CONTAINMENT = 0.85


@dataclass(frozen=True)
class NearCopy:
    doc_id: str  # the copy that is dropped
    kept_id: str
    containment: float  # share of the copy's shingles found in the kept document


def find_near_copies(docs: list[tuple[str, str]], threshold: float = NEAR_COPY_CONTAINMENT) -> list[NearCopy]:
    """Pairs (copy, kept) among `docs` [(doc_id, text)]; the longer document of a
    pair is kept, the earlier one on a tie, so the result does not depend on luck."""
    if len(docs) < 2:
        return []
    vectorizer = HashingVectorizer(analyzer="char", ngram_range=(SHINGLE, SHINGLE), binary=True,
                                   norm=None, alternate_sign=False, n_features=2**22)
    matrix = vectorizer.transform([text for _, text in docs]).astype(np.float32)
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    shared = (matrix @ matrix.T).tocoo()
    copies: dict[int, NearCopy] = {}
    for a, b, overlap in zip(shared.row, shared.col, shared.data):
        if a >= b:
            continue
        small, large = (a, b) if (sizes[a], -a) < (sizes[b], -b) else (b, a)
        if sizes[small] == 0:
            continue
        containment = float(overlap / sizes[small])
        if containment >= threshold and small not in copies:
            copies[small] = NearCopy(docs[small][0], docs[large][0], round(containment, 3))
    # A kept document that is itself a copy of another points to the final survivor.
    by_id = {copy.doc_id: copy for copy in copies.values()}
    result = []
    for index in sorted(copies):
        copy = copies[index]
        kept, seen = copy.kept_id, set()
        while kept in by_id and kept not in seen:
            seen.add(kept)
            kept = by_id[kept].kept_id
        result.append(NearCopy(copy.doc_id, kept, copy.containment))
    return result
