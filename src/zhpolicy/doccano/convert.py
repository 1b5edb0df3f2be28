"""Pure conversions between corpus sentences, stand-off records and Doccano's rows.

Doccano counts span offsets in UTF-16 code units (the browser's string
indexing) unless a project is in grapheme mode; zhpolicy counts Python
characters (code points). They differ after any character outside the BMP
(rare CJK characters of Extension B and later, emoji), so every offset is
converted at the border, both ways.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate

from zhpolicy.annotations.records import AnnotationRecord, validate_record
from zhpolicy.corpus.build import SentenceRecord
from zhpolicy.labels import ENTITIES, ENTITY_LABELS, INSTRUMENT_LABELS, INSTRUMENTS

# Metadata keys sent with every example; Doccano keeps them through upload and export.
META_KEYS = ("sentence_id", "doc_id", "sha1")


# --- offsets -----------------------------------------------------------------------------------

def utf16_index(text: str) -> list[int]:
    """UTF-16 offset of every code-point offset 0..len(text)."""
    return [0, *accumulate(2 if ord(ch) > 0xFFFF else 1 for ch in text)]


def to_utf16(text: str, spans: Iterable[tuple[int, int, str]]) -> list[list]:
    index = utf16_index(text)
    return [[index[start], index[end], label] for start, end, label in spans]


def from_utf16(text: str, spans: Iterable) -> list[tuple[int, int, str]]:
    """Doccano spans [start, end, label] in UTF-16 units -> code-point offsets.

    Raises ValueError for a malformed span, an offset past the end, or one that
    falls inside a surrogate pair (half a character).
    """
    index = utf16_index(text)
    back = {u: cp for cp, u in enumerate(index)}
    result = []
    for span in spans:
        if not isinstance(span, (list, tuple)) or len(span) != 3:
            raise ValueError(f"malformed span {span!r}")
        start, end, label = span
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or isinstance(end, bool):
            raise ValueError(f"malformed span {list(span)!r}")
        if not 0 <= start < end <= index[-1]:
            raise ValueError(f"span {start}-{end} {label} out of range (sentence has {index[-1]} UTF-16 units)")
        if start not in back or end not in back:
            raise ValueError(f"span {start}-{end} {label} cuts a character outside the BMP in half")
        result.append((back[start], back[end], str(label)))
    return result


# --- labels ------------------------------------------------------------------------------------

def category_text(label: str) -> str:
    """The category as annotators see it: the scheme id and its Chinese name."""
    return f"{label} {INSTRUMENTS[label]}"


def category_id(text: str) -> str | None:
    """Scheme id of a Doccano category, from its display text or the bare id."""
    head = text.split(" ", 1)[0] if isinstance(text, str) else None
    return head if head in INSTRUMENTS and text in (head, category_text(head)) else None


# Dark enough for Doccano's white label text; 22 distinct colours.
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#ff7f0e", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
           "#e6550d", "#31a354", "#756bb1", "#636363", "#a55194", "#6b6ecf")
CATEGORY_KEYS = "1234567890qwer"
SPAN_KEYS = "asdfghjk"


@dataclass(frozen=True)
class LabelSpec:
    kind: str  # "category" or "span"
    text: str
    color: str
    suffix_key: str


def label_specs() -> list[LabelSpec]:
    """The 14 instrument categories and 8 entity span types, each with its colour and key."""
    specs = [LabelSpec("category", category_text(label), PALETTE[i], CATEGORY_KEYS[i])
             for i, label in enumerate(INSTRUMENT_LABELS)]
    offset = len(specs)
    specs += [LabelSpec("span", label, PALETTE[offset + i], SPAN_KEYS[i]) for i, label in enumerate(ENTITY_LABELS)]
    assert len({s.color for s in specs}) == len(specs) and len({s.suffix_key for s in specs}) == len(specs)
    assert set(ENTITIES) == set(ENTITY_LABELS)
    return specs


# --- push ----------------------------------------------------------------------------------------

@dataclass
class Suggestion:
    cats: list[str]
    entities: list[tuple[int, int, str]]
    uncertainty: float


def uncertainty(scores: dict[str, float], thresholds: dict[str, float] | None = None) -> float:
    """How unsure the model is about a sentence: 1 when some instrument's probability sits
    exactly on its decision threshold, 0 when every probability is as far from it as it can be."""
    def one(label: str, p: float) -> float:
        t = (thresholds or {}).get(label, 0.5)
        return 1 - abs(p - t) / max(t, 1 - t)
    return max((one(label, p) for label, p in scores.items()), default=0.0)


def example_row(sentence: SentenceRecord, suggestion: Suggestion | None = None, model: str | None = None) -> dict:
    """One JSONL line for Doccano's IntentDetectionAndSlotFilling import.

    Every row has the same keys (cats and entities even when empty), since the
    importer reads a batch of rows as one table.
    """
    row = {"text": sentence.text, "sentence_id": sentence.sentence_id, "doc_id": sentence.doc_id,
           "sha1": sentence.sha1, "cats": [], "entities": []}
    if suggestion is not None:
        row["cats"] = [category_text(c) for c in suggestion.cats]
        row["entities"] = to_utf16(sentence.text, suggestion.entities)
        row["suggested_by"] = model or "model"
        row["uncertainty"] = round(suggestion.uncertainty, 4)
    return row


def select_sentences(sentences: list[SentenceRecord], docs: list[str] | None = None, split: str | None = None,
                     splits: dict[str, str] | None = None, skip: set[tuple[str, str]] = frozenset(),
                     count: int | None = None) -> list[SentenceRecord]:
    """Sentences by document and/or split, minus those in `skip` (by doc_id, sha1), the first `count`.

    Deterministic for the same corpus and arguments; a sentence whose text
    occurs twice in one document is taken once.
    """
    chosen, seen = [], set(skip)
    wanted_docs = set(docs) if docs else None
    for s in sentences:
        if wanted_docs is not None and s.doc_id not in wanted_docs:
            continue
        if split is not None and (splits or {}).get(s.doc_id) != split:
            continue
        key = (s.doc_id, s.sha1)
        if key in seen:
            continue
        seen.add(key)
        chosen.append(s)
    return chosen if count is None else chosen[:count]


# --- pull ----------------------------------------------------------------------------------------

@dataclass
class Skip:
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class Conversion:
    records: list[AnnotationRecord] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)


def record_from_row(row: dict, annotator: str, corpus: dict[tuple[str, str], SentenceRecord],
                    method: str = "manual") -> AnnotationRecord:
    """One exported example -> a stand-off record checked against the corpus. ValueError says why not."""
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    missing = [k for k in ("text", *META_KEYS) if not isinstance(row.get(k), str)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    sentence = corpus.get((row["doc_id"], row["sha1"]))
    if sentence is None:
        raise ValueError(f"{row['sentence_id']}: no sentence with this doc_id and sha1 in the built corpus")
    if row["text"] != sentence.text:
        raise ValueError(f"{row['sentence_id']}: text differs from the corpus sentence (hash mismatch)")
    cats_raw = row.get("cats", [])
    if not isinstance(cats_raw, list):
        raise ValueError(f"{row['sentence_id']}: cats is not a list")
    cats = [category_id(c) for c in cats_raw]
    unknown = [c for c, known in zip(cats_raw, cats) if known is None]
    if unknown:
        raise ValueError(f"{row['sentence_id']}: unknown instrument label(s) {', '.join(map(repr, unknown))}")
    spans_raw = row.get("entities", [])
    if not isinstance(spans_raw, list):
        raise ValueError(f"{row['sentence_id']}: entities is not a list")
    try:
        entities = from_utf16(sentence.text, spans_raw)
    except ValueError as exc:
        raise ValueError(f"{row['sentence_id']}: {exc}") from None
    record = AnnotationRecord(sentence_id=sentence.sentence_id, doc_id=sentence.doc_id, sha1=sentence.sha1,
                              cats=sorted(set(cats), key=INSTRUMENT_LABELS.index), entities=sorted(entities),
                              annotator=annotator, method=method)
    problems = validate_record(record, sentence.text)
    if problems:
        raise ValueError(f"{row['sentence_id']}: {'; '.join(problems)}")
    return record


def read_export(lines: Iterable[str], annotator: str, corpus: dict[tuple[str, str], SentenceRecord],
                source: str = "export", suggested_for: str | None = None) -> Conversion:
    """Convert one annotator's export (JSONL lines). Bad rows are skipped and listed, never guessed.

    `suggested_for`: the user whose labels were pre-filled with model
    suggestions at push; that user's rows with a suggestion are "corrected".
    """
    result = Conversion()
    seen: set[tuple[str, str]] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source} line {number}"
        try:
            row = json.loads(line)
            method = "corrected" if (isinstance(row, dict) and row.get("suggested_by")
                                     and annotator == suggested_for) else "manual"
            record = record_from_row(row, annotator, corpus, method)
        except json.JSONDecodeError as exc:
            result.skips.append(Skip(where, f"not valid JSON ({exc.msg})"))
            continue
        except ValueError as exc:
            result.skips.append(Skip(where, str(exc)))
            continue
        if record.key in seen:
            result.skips.append(Skip(where, f"{record.sentence_id}: the sentence occurs twice in the project"))
            continue
        seen.add(record.key)
        result.records.append(record)
    return result

