"""Reading and writing annotation folders: one JSONL file per document."""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from zhpolicy.annotations.records import AnnotationRecord
from zhpolicy.corpus.build import write_jsonl
from zhpolicy.errors import InputError

ANNOTATIONS_DIR = Path("annotations")
GOLD_DIR = ANNOTATIONS_DIR / "gold"
DOUBLE_DIR = ANNOTATIONS_DIR / "double"
SPLITS_FILE = ANNOTATIONS_DIR / "splits.json"


def doc_file(folder: Path, doc_id: str) -> Path:
    return folder / f"{doc_id}.jsonl"


def load_records(folder: Path, errors: list[InputError] | None = None) -> list[AnnotationRecord]:
    """All records in a folder. Unreadable lines go to `errors` (or raise when it is None)."""
    records = []
    for path in sorted(folder.glob("*.jsonl")) if folder.exists() else []:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    records.append(AnnotationRecord.from_dict(json.loads(line)))
                except (json.JSONDecodeError, ValueError, TypeError) as exc:
                    error = InputError(f"{path} line {number}", f"not a valid record ({exc})")
                    if errors is None:
                        raise error from None
                    errors.append(error)
    return records


def save_records(folder: Path, records: Iterable[AnnotationRecord]) -> list[Path]:
    """Write records grouped by document, each file atomically and in sentence order."""
    by_doc: dict[str, list[AnnotationRecord]] = {}
    for record in records:
        by_doc.setdefault(record.doc_id, []).append(record)
    written = []
    for doc_id, group in by_doc.items():
        group.sort(key=lambda r: r.sentence_id)
        path = doc_file(folder, doc_id)
        write_jsonl(path, (r.to_dict() for r in group))
        written.append(path)
    return written


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Serialise read-merge-write cycles on one annotation folder across processes."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def merge_records(existing: list[AnnotationRecord], incoming: list[AnnotationRecord], replace: bool = False
                  ) -> tuple[list[AnnotationRecord], list[tuple[AnnotationRecord, AnnotationRecord]]]:
    """Merge incoming records into existing ones by key.

    A record by the same annotator is replaced (a correction). One that
    contradicts another annotator's record is a conflict and is not written,
    unless `replace` says the incoming records decide (adjudication, review).
    """
    merged = {r.key: r for r in existing}
    conflicts = []
    for record in incoming:
        old = merged.get(record.key)
        if old is not None and old.same_labels(record) and not replace:
            continue  # same labels: keep the earlier record and its provenance
        if old is None or replace or old.annotator == record.annotator:
            merged[record.key] = record
        else:
            conflicts.append((old, record))
    return list(merged.values()), conflicts


def load_splits(path: Path = SPLITS_FILE) -> dict[str, str]:
    """doc_id -> split name."""
    if not path.exists():
        raise InputError(path, "no split file; it is made once with `zhpolicy annotations split`")
    data = json.loads(path.read_text(encoding="utf-8"))
    return {doc: split for split, docs in data["splits"].items() for doc in docs}
