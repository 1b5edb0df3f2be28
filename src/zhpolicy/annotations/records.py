"""The stand-off annotation record: one sentence, never its text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from zhpolicy.labels import ENTITY_LABELS, INSTRUMENT_LABELS

# manual: labelled by reading; corrected: a suggestion (rules/model) checked and
# corrected by reading; adjudicated: decided between two independent annotations.
METHODS = ("manual", "corrected", "adjudicated")


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class AnnotationRecord:
    sentence_id: str
    doc_id: str
    sha1: str
    cats: list[str]
    entities: list[tuple[int, int, str]]
    annotator: str
    method: str = "manual"
    ts: str = field(default_factory=now_iso)

    @property
    def key(self) -> tuple[str, str]:
        """Records are keyed by document and content, not by position."""
        return self.doc_id, self.sha1

    @classmethod
    def from_dict(cls, row: dict) -> "AnnotationRecord":
        missing = [k for k in ("sentence_id", "doc_id", "sha1", "cats", "entities", "annotator") if k not in row]
        if missing:
            raise ValueError(f"missing field(s): {', '.join(missing)}")
        return cls(sentence_id=row["sentence_id"], doc_id=row["doc_id"], sha1=row["sha1"],
                   cats=list(row["cats"]), entities=[tuple(e) for e in row["entities"]],
                   annotator=row["annotator"], method=row.get("method", "manual"), ts=row.get("ts", ""))

    def to_dict(self) -> dict:
        row = asdict(self)
        row["cats"] = sorted(self.cats, key=INSTRUMENT_LABELS.index) if set(self.cats) <= set(INSTRUMENT_LABELS) \
            else list(self.cats)
        row["entities"] = [list(e) for e in sorted(self.entities)]
        return row

    def same_labels(self, other: "AnnotationRecord") -> bool:
        return set(self.cats) == set(other.cats) and sorted(self.entities) == sorted(other.entities)


def validate_record(record: AnnotationRecord, text: str | None) -> list[str]:
    """Problems with one record against its sentence text (None: sentence not found)."""
    problems = []
    if text is None:
        return ["orphan: no sentence with this doc_id and sha1 in the built corpus"]
    unknown = [c for c in record.cats if c not in INSTRUMENT_LABELS]
    if unknown:
        problems.append(f"unknown instrument label(s): {', '.join(map(str, unknown))}")
    if len(set(record.cats)) != len(record.cats):
        problems.append("repeated instrument label")
    if record.method not in METHODS:
        problems.append(f"unknown method {record.method!r} (expected one of {', '.join(METHODS)})")
    if not record.annotator:
        problems.append("no annotator")
    spans = []
    for entity in record.entities:
        if len(entity) != 3 or not isinstance(entity[0], int) or not isinstance(entity[1], int):
            problems.append(f"malformed entity {list(entity)}")
            continue
        start, end, label = entity
        if label not in ENTITY_LABELS:
            problems.append(f"unknown entity label {label!r}")
        if not 0 <= start < end <= len(text):
            problems.append(f"entity {start}-{end} {label} out of range (sentence has {len(text)} characters)")
            continue
        if text[start:end] != text[start:end].strip():
            problems.append(f"entity {start}-{end} {label} starts or ends with a space")
        spans.append((start, end, label))
    spans.sort()
    for (s1, e1, l1), (s2, e2, l2) in zip(spans, spans[1:]):
        if s2 < e1:
            problems.append(f"entities overlap: {s1}-{e1} {l1} and {s2}-{e2} {l2}")
    return problems
