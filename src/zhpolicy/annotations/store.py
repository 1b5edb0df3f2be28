"""Reading and writing annotation folders: one JSONL file per document."""

from __future__ import annotations

import json
from collections.abc import Iterable
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


def merge_records(existing: list[AnnotationRecord], incoming: list[AnnotationRecord], replace_own: bool = True
                  ) -> tuple[list[AnnotationRecord], list[tuple[AnnotationRecord, AnnotationRecord]]]:
    """Merge incoming records into existing ones by key.

    A record by the same annotator is replaced (a correction); one that
    contradicts another annotator's record is a conflict and is not written.
    """
    merged = {r.key: r for r in existing}
    conflicts = []
    for record in incoming:
        old = merged.get(record.key)
        if old is None or (replace_own and old.annotator == record.annotator) or old.same_labels(record):
            merged[record.key] = record if old is None or not old.same_labels(record) else old
        else:
            conflicts.append((old, record))
    return list(merged.values()), conflicts


def load_splits(path: Path = SPLITS_FILE) -> dict[str, str]:
    """doc_id -> split name."""
    if not path.exists():
        raise InputError(path, "no split file; it is made once with `zhpolicy annotations split`")
    data = json.loads(path.read_text(encoding="utf-8"))
    return {doc: split for split, docs in data["splits"].items() for doc in docs}
