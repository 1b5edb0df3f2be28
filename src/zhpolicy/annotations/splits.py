"""The document-level train/dev/test split, made once and committed."""

from __future__ import annotations

import json
from pathlib import Path

from sklearn.model_selection import train_test_split

from zhpolicy.corpus.build import DocumentRecord, source_group
from zhpolicy.errors import ZhpolicyError

SEED = 2026
TEST_SHARE = 0.2
DEV_SHARE = 0.15


def make_splits(documents: list[DocumentRecord], seed: int = SEED) -> dict[str, list[str]]:
    """Split whole documents, stratified by source, so no document is in two splits."""
    ids = [d.doc_id for d in documents]
    groups = [source_group(d.source) for d in documents]
    rest, test, rest_groups, _ = train_test_split(ids, groups, test_size=TEST_SHARE, stratify=groups,
                                                  random_state=seed)
    train, dev = train_test_split(rest, test_size=DEV_SHARE / (1 - TEST_SHARE), stratify=rest_groups,
                                  random_state=seed)
    return {"train": sorted(train), "dev": sorted(dev), "test": sorted(test)}


def write_splits(documents: list[DocumentRecord], path: Path, force: bool = False) -> dict[str, list[str]]:
    if path.exists() and not force:
        raise ZhpolicyError(f"{path}: the split is already made; the test documents are chosen once "
                            "(use --force only if you mean to throw away every score measured on it)")
    splits = make_splits(documents)
    data = {"seed": SEED, "note": "Whole documents; test documents are never used for training or tuning.",
            "splits": splits}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return splits
