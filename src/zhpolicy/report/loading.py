"""Reading tagged JSONL (model, sentence and profile records) for the report."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from zhpolicy.errors import InputError, ZhpolicyError
from zhpolicy.labels import INSTRUMENT_LABELS
from zhpolicy.tagging import Entity

UNKNOWN_PROVINCE = "(unknown)"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str
    source: str
    evaluation: dict | None  # headline test scores, None if never evaluated


@dataclass(frozen=True)
class SentenceRecord:
    doc_id: str
    index: int  # position of the sentence in its document
    text: str
    start: int  # offsets into the cleaned document
    end: int
    labels: tuple[str, ...]  # known instrument ids only
    scores: dict[str, float]
    entities: tuple[Entity, ...]  # offsets into `text`


@dataclass
class DocumentRecord:
    doc_id: str
    source: str = ""
    title: str = ""
    province: str = ""
    year: str = ""
    sha256: str = ""
    sentences: int = 0
    profile: dict[str, int] = field(default_factory=dict)  # label -> sentences with it
    has_profile: bool = False  # False: only sentence records were seen; profile derived from them


@dataclass
class TaggedCollection:
    files: list[Path]
    model: ModelInfo | None  # the first model record seen
    other_models: list[ModelInfo]  # later model records that differ from the first
    documents: list[DocumentRecord]  # in order of first appearance
    sentences: list[SentenceRecord]
    notes: list[str] = field(default_factory=list)  # oddities worth a line in the report

    @property
    def sentence_total(self) -> int:
        return sum(doc.sentences for doc in self.documents)


@dataclass(frozen=True)
class ProvinceShare:
    province: str  # UNKNOWN_PROVINCE for documents without one
    documents: int
    sentences: int
    counts: dict[str, int]
    shares: dict[str, float]  # counts / sentences (0.0 when there are no sentences)


def tagged_files(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """Files in the order given; a folder contributes its *.jsonl files, recursively and sorted."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.jsonl") if p.is_file())
            if not found:
                raise InputError(path, "folder holds no *.jsonl files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(path, "no such file or folder")
    if not files:
        raise ZhpolicyError("no tagged files given")
    return files


def load_tagged(paths: str | Path | Iterable[str | Path]) -> TaggedCollection:
    """Read tagged JSONL files (or folders of them) into one collection.

    Unknown record types and fields are ignored; a line that is not a JSON
    object, or a known record missing what the report needs, raises InputError
    naming the file and line.
    """
    files = tagged_files(paths)
    builder = _Builder(files)
    for path in files:
        try:
            with path.open(encoding="utf-8-sig") as handle:
                for number, line in enumerate(handle, 1):
                    if line.strip():
                        builder.add(path, number, line)
        except UnicodeDecodeError as exc:
            raise InputError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            raise InputError(path, exc.strerror or str(exc)) from None
    return builder.finish()


def province_shares(collection: TaggedCollection) -> list[ProvinceShare]:
    """Per province: sentences carrying each label / all sentences of its documents.

    Documents without a province are pooled in one UNKNOWN_PROVINCE row rather
    than one row per document: in this corpus they are national documents, and
    one pooled row compares with the provinces; per-document rows would drown
    the heatmap when there are many. Rows are sorted by name, the pool last.
    """
    grouped: dict[str, list[DocumentRecord]] = {}
    for doc in collection.documents:
        grouped.setdefault(doc.province or UNKNOWN_PROVINCE, []).append(doc)
    rows = []
    for province in sorted(grouped, key=lambda p: (p == UNKNOWN_PROVINCE, p)):
        docs = grouped[province]
        sentences = sum(doc.sentences for doc in docs)
        counts = {label: sum(doc.profile.get(label, 0) for doc in docs) for label in INSTRUMENT_LABELS}
        shares = {label: (counts[label] / sentences if sentences else 0.0) for label in INSTRUMENT_LABELS}
        rows.append(ProvinceShare(province, len(docs), sentences, counts, shares))
    return rows


class _Builder:
    def __init__(self, files: list[Path]):
        self.files = files
        self.model: ModelInfo | None = None
        self.other_models: list[ModelInfo] = []
        self.documents: dict[str, DocumentRecord] = {}
        self.sentences: list[SentenceRecord] = []
        self.seen_sentences: set[tuple[str, int]] = set()
        self.duplicates = 0
        self.duplicate_profiles = 0

    def add(self, path: Path, number: int, line: str) -> None:
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise InputError(path, f"line {number}: not valid JSON ({exc})") from None
        if not isinstance(record, dict):
            raise InputError(path, f"line {number}: not a JSON object")
        kind = record.get("record")
        try:
            if kind == "model":
                self._model(record)
            elif kind == "sentence":
                self._sentence(record)
            elif kind == "profile":
                self._profile(record)
        except (KeyError, TypeError, ValueError) as exc:
            what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise InputError(path, f"line {number}: bad {kind} record: {what}") from None

    def _model(self, record: dict) -> None:
        evaluation = record.get("evaluation")
        model = ModelInfo(str(record.get("name") or ""), str(record.get("version") or ""),
                          str(record.get("source") or ""), evaluation if isinstance(evaluation, dict) else None)
        if self.model is None:
            self.model = model
        elif model != self.model and model not in self.other_models:
            self.other_models.append(model)

    def _document(self, doc_id: str) -> DocumentRecord:
        if doc_id not in self.documents:
            self.documents[doc_id] = DocumentRecord(doc_id)
        return self.documents[doc_id]

    def _sentence(self, record: dict) -> None:
        doc_id = str(record["doc_id"])
        index = int(record["sentence"])
        if (doc_id, index) in self.seen_sentences:
            # The same document tagged into two files: keep the first copy.
            self.duplicates += 1
            return
        text = record["text"]
        if not isinstance(text, str):
            raise ValueError("'text' is not a string")
        scores_raw = record.get("scores") or {}
        scores = {label: float(scores_raw.get(label, 0.0)) for label in INSTRUMENT_LABELS}
        labels = tuple(label for label in INSTRUMENT_LABELS if label in set(record.get("labels") or ()))
        sentence = SentenceRecord(doc_id, index, text, int(record.get("start", 0)), int(record.get("end", len(text))),
                                  labels, scores, _entities(record.get("entities") or (), text))
        self.seen_sentences.add((doc_id, index))
        doc = self._document(doc_id)
        if not doc.source:
            doc.source = str(record.get("source") or "")
        self.sentences.append(sentence)

    def _profile(self, record: dict) -> None:
        doc = self._document(str(record["doc_id"]))
        if doc.has_profile:
            self.duplicate_profiles += 1
            return
        profile = record.get("profile") or {}
        doc.source = str(record.get("source") or doc.source)
        doc.title = str(record.get("title") or "")
        doc.province = str(record.get("province") or "")
        doc.year = str(record.get("year") or "")
        doc.sha256 = str(record.get("sha256") or "")
        doc.sentences = int(record["sentences"])
        doc.profile = {label: int(profile.get(label, 0)) for label in INSTRUMENT_LABELS}
        doc.has_profile = True

    def finish(self) -> TaggedCollection:
        notes = []
        derived = 0
        by_doc: dict[str, list[SentenceRecord]] = {}
        for sentence in self.sentences:
            by_doc.setdefault(sentence.doc_id, []).append(sentence)
        for doc in self.documents.values():
            if not doc.has_profile:
                # Sentence records without their profile (a cut-off file): count them ourselves.
                derived += 1
                own = by_doc.get(doc.doc_id, [])
                doc.sentences = len(own)
                doc.profile = {label: sum(label in s.labels for s in own) for label in INSTRUMENT_LABELS}
        if derived:
            notes.append(f"{derived} document(s) had no profile record; their profile was counted from "
                         "their sentence records")
        if self.duplicates or self.duplicate_profiles:
            notes.append(f"{self.duplicates} repeated sentence record(s) and {self.duplicate_profiles} repeated "
                         "profile record(s) were ignored (the same document in several files?)")
        return TaggedCollection(self.files, self.model, self.other_models, list(self.documents.values()),
                                self.sentences, notes)


def _entities(raw: Iterable, text: str) -> tuple[Entity, ...]:
    """Entities sorted by start; out-of-range or overlapping spans are dropped, since
    displaCy can only mark non-overlapping spans inside the text."""
    spans = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError("an entity is not a JSON object")
        start, end = int(item["start"]), int(item["end"])
        if 0 <= start < end <= len(text):
            spans.append(Entity(start, end, str(item["label"]), text[start:end]))
    spans.sort(key=lambda e: (e.start, -e.end))
    kept: list[Entity] = []
    for span in spans:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return tuple(kept)
