"""Annotating through files: a worksheet of sentences out, an answer file in.

An answer line names its sentence and gives entities either as offsets
[start, end, LABEL] or, easier when labelling by hand, as [surface text, LABEL]
pairs listed in reading order; each text is found in the sentence after the
previous entity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from zhpolicy.annotations.records import AnnotationRecord, now_iso, validate_record
from zhpolicy.corpus.build import SentenceRecord, write_jsonl
from zhpolicy.errors import InputError


def write_worksheet(sentences: list[SentenceRecord], path: Path) -> None:
    write_jsonl(path, ({"sentence_id": s.sentence_id, "text": s.text} for s in sentences))


def resolve_entities(text: str, entities: list) -> list[tuple[int, int, str]]:
    """Turn [surface, LABEL] pairs (or [start, end, LABEL]) into offsets."""
    spans = []
    cursor = 0
    for entity in entities:
        if len(entity) == 3:
            start, end, label = entity
            spans.append((int(start), int(end), str(label)))
            cursor = int(end)
            continue
        if len(entity) != 2:
            raise ValueError(f"entity {entity!r} is neither [text, LABEL] nor [start, end, LABEL]")
        surface, label = entity
        start = text.find(surface, cursor)
        if start < 0:
            start = text.find(surface)
        if start < 0 or not surface:
            raise ValueError(f"entity text {surface!r} does not occur in the sentence")
        spans.append((start, start + len(surface), str(label)))
        cursor = start + len(surface)
    return spans


@dataclass
class ImportResult:
    records: list[AnnotationRecord] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


def read_answers(path: Path, sentences: dict[str, SentenceRecord], annotator: str, method: str) -> ImportResult:
    result = ImportResult()
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path} line {number}"
            try:
                row = json.loads(line)
                sentence = sentences.get(row["sentence_id"])
                if sentence is None:
                    raise ValueError(f"unknown sentence_id {row['sentence_id']!r}")
                record = AnnotationRecord(
                    sentence_id=sentence.sentence_id, doc_id=sentence.doc_id, sha1=sentence.sha1,
                    cats=list(row.get("cats", [])), entities=resolve_entities(sentence.text, row.get("entities", [])),
                    annotator=row.get("annotator", annotator), method=row.get("method", method), ts=now_iso())
            except json.JSONDecodeError as exc:
                result.errors.append(InputError(where, f"not valid JSON ({exc.msg})"))
                continue
            except (KeyError, ValueError, TypeError) as exc:
                result.errors.append(InputError(where, str(exc).strip("'\"")))
                continue
            problems = validate_record(record, sentence.text)
            if problems:
                result.errors.append(InputError(where, "; ".join(problems)))
            else:
                result.records.append(record)
    return result
