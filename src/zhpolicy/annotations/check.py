"""`zhpolicy annotations check`: every record resolves and is valid."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from zhpolicy.annotations.records import validate_record
from zhpolicy.annotations.store import load_records
from zhpolicy.corpus.build import SentenceRecord, index_by_content
from zhpolicy.errors import InputError


@dataclass
class CheckResult:
    records: int = 0
    problems: list[str] = field(default_factory=list)
    orphans: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_folder(folder: Path, index: dict[tuple[str, str], SentenceRecord], result: CheckResult) -> None:
    errors: list[InputError] = []
    records = load_records(folder, errors)
    result.problems.extend(str(e) for e in errors)
    keys = Counter(r.key for r in records)
    for key, count in keys.items():
        if count > 1:
            result.problems.append(f"{folder}/{key[0]}.jsonl: {count} records for sentence sha1 {key[1][:10]}")
    for record in records:
        result.records += 1
        sentence = index.get(record.key)
        problems = validate_record(record, sentence.text if sentence else None)
        if sentence is None:
            result.orphans += 1
        elif sentence.sentence_id != record.sentence_id and not sentence.sentence_id.startswith(record.sentence_id):
            problems.append(f"sentence_id {record.sentence_id} does not match the corpus ({sentence.sentence_id})")
        for problem in problems:
            result.problems.append(f"{folder}/{record.doc_id}.jsonl {record.sentence_id}: {problem}")


def check_annotations(folders: list[Path], sentences: list[SentenceRecord]) -> CheckResult:
    result = CheckResult()
    index = index_by_content(sentences)
    for folder in folders:
        check_folder(folder, index, result)
    return result
