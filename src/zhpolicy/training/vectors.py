"""Static token vectors learnt from the raw training documents, no download needed.

No pretrained Chinese vectors can be fetched here, so we learn our own from
the corpus: positive pointwise mutual information over a small co-occurrence
window, reduced with truncated SVD (scikit-learn), then turned into a spaCy
vectors table with `spacy init vectors`. Only documents of the train split
are read, so nothing about dev or test text leaks into the model.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD

from zhpolicy.errors import ZhpolicyError

DEFAULT_DIM = 96
WINDOW = 2
MIN_COUNT = 3


def cooccurrence_vectors(token_lists: list[list[str]], dim: int = DEFAULT_DIM, window: int = WINDOW,
                         min_count: int = MIN_COUNT, seed: int = 0) -> tuple[list[str], np.ndarray]:
    counts = Counter(t for tokens in token_lists for t in tokens)
    vocab = [t for t, c in counts.most_common() if c >= min_count and not t.isspace()]
    index = {t: i for i, t in enumerate(vocab)}
    rows, cols = [], []
    for tokens in token_lists:
        ids = [index.get(t, -1) for t in tokens]
        for i, a in enumerate(ids):
            if a < 0:
                continue
            for b in ids[max(0, i - window):i]:
                if b >= 0:
                    rows += [a, b]
                    cols += [b, a]
    n = len(vocab)
    if n <= dim:
        raise ZhpolicyError(f"only {n} tokens occur {min_count}+ times: too little text for {dim}-d vectors")
    matrix = sparse.coo_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n, n)).tocsr()
    total = matrix.sum()
    row_sums = np.asarray(matrix.sum(axis=1)).ravel()
    col_sums = np.asarray(matrix.sum(axis=0)).ravel() ** 0.75  # context smoothing, as in word2vec
    col_sums *= row_sums.sum() / col_sums.sum()
    coo = matrix.tocoo()
    pmi = np.log(coo.data * total / (row_sums[coo.row] * col_sums[coo.col]))
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=(n, n))
    vectors = TruncatedSVD(n_components=dim, random_state=seed).fit_transform(ppmi)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-8
    return vocab, vectors.astype(np.float32)


def write_spacy_vectors(vocab: list[str], vectors: np.ndarray, out_dir: Path) -> Path:
    """Write word2vec text and convert it with `spacy init vectors`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "vectors.txt"
        with open(text, "w", encoding="utf-8") as handle:
            handle.write(f"{len(vocab)} {vectors.shape[1]}\n")
            for token, row in zip(vocab, vectors):
                handle.write(token + " " + " ".join(f"{v:.5f}" for v in row) + "\n")
        result = subprocess.run([sys.executable, "-m", "spacy", "init", "vectors", "zh", str(text), str(out_dir)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise ZhpolicyError(f"spacy init vectors failed: {(result.stderr.strip().splitlines() or ['?'])[-1]}")
    return out_dir
