"""Gold annotations -> spaCy DocBin files, one per split.

Entities are character spans; a segmenter may cut words so that a span does
not start or end on a token boundary. Such spans are never dropped silently:
each one is counted and listed per label, and the alignment mode decides
what happens to it (strict: left out of training; expand/contract: widened
or narrowed to the nearest token boundaries).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from zhpolicy.annotations.records import AnnotationRecord
from zhpolicy.annotations.store import GOLD_DIR, SPLITS_FILE, load_records, load_splits
from zhpolicy.components import sentence_position
from zhpolicy.corpus.build import DEFAULT_OUT, index_by_content, load_documents, load_sentences
from zhpolicy.errors import ZhpolicyError
from zhpolicy.labels import INSTRUMENT_LABELS

ALIGNMENT_MODES = ("strict", "expand", "contract")
SPLITS = ("train", "dev", "test")


@dataclass
class GoldSentence:
    """A gold record joined with its sentence text."""

    record: AnnotationRecord
    text: str
    split: str
    position: float | None = None  # where the sentence starts in its document, 0..1


@dataclass
class Misaligned:
    sentence_id: str
    start: int
    end: int
    label: str
    text: str
    resolved: str  # what alignment made of it: "dropped" or the adjusted span text


@dataclass
class ConversionReport:
    docs: Counter = field(default_factory=Counter)  # per split
    entities: Counter = field(default_factory=Counter)
    misaligned: list[Misaligned] = field(default_factory=list)

    def misaligned_per_label(self) -> Counter:
        return Counter(m.label for m in self.misaligned)


def load_gold(gold_dir: Path = GOLD_DIR, build_dir: Path = DEFAULT_OUT,
              splits_file: Path = SPLITS_FILE) -> list[GoldSentence]:
    """Every gold record with its sentence text and split. Orphans are an error:
    run `zhpolicy annotations check` to list them."""
    sentences = index_by_content(load_sentences(build_dir))
    doc_chars = {doc.doc_id: doc.chars for doc in load_documents(build_dir)}
    splits = load_splits(splits_file)
    gold, orphans = [], 0
    for record in load_records(gold_dir):
        sentence = sentences.get(record.key)
        if sentence is None:
            orphans += 1
            continue
        position = sentence_position(sentence.start, doc_chars.get(record.doc_id, sentence.end))
        gold.append(GoldSentence(record, sentence.text, splits.get(record.doc_id, "train"), position))
    if orphans:
        raise ZhpolicyError(f"{orphans} gold record(s) no longer match the built corpus; "
                            "`zhpolicy annotations check` lists them")
    if not gold:
        raise ZhpolicyError(f"{gold_dir}: no gold annotations")
    return gold


def indicator(gold: list[GoldSentence]) -> np.ndarray:
    """Gold instrument labels as a 0/1 matrix, one column per label."""
    return np.array([[label in g.record.cats for label in INSTRUMENT_LABELS] for g in gold],
                    dtype=int).reshape(len(gold), len(INSTRUMENT_LABELS))


def make_doc(nlp: Language, item: GoldSentence, mode: str, report: ConversionReport) -> Doc:
    doc = nlp.make_doc(item.text)
    doc.cats = {label: float(label in item.record.cats) for label in INSTRUMENT_LABELS}
    spans = []
    for start, end, label in item.record.entities:
        span = doc.char_span(start, end, label=label)
        if span is None:
            adjusted = doc.char_span(start, end, label=label, alignment_mode=mode) if mode != "strict" else None
            report.misaligned.append(Misaligned(item.record.sentence_id, start, end, label, item.text[start:end],
                                                adjusted.text if adjusted else "dropped"))
            span = adjusted
        if span is not None and len(span):
            spans.append(span)
    doc.ents = _without_overlaps(spans)
    report.entities.update(span.label_ for span in doc.ents)
    return doc


def _without_overlaps(spans):
    """Expanding two neighbouring spans can make them overlap; keep the first."""
    kept, last_end = [], -1
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.start >= last_end:
            kept.append(span)
            last_end = span.end
    return kept


def write_docbins(nlp: Language, gold: list[GoldSentence], out_dir: Path, mode: str = "strict") -> ConversionReport:
    if mode not in ALIGNMENT_MODES:
        raise ZhpolicyError(f"unknown alignment mode {mode!r}; use one of {', '.join(ALIGNMENT_MODES)}")
    report = ConversionReport()
    out_dir.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        docbin = DocBin(store_user_data=False)
        for item in gold:
            if item.split == split:
                docbin.add(make_doc(nlp, item, mode, report))
                report.docs[split] += 1
        docbin.to_disk(out_dir / f"{split}.spacy")
    return report
