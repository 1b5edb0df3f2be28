"""Tagged output: a model record, a record per sentence and a profile record
per document, as JSONL or CSV. The same records feed shards, profile tables
and the HTML report."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import TextIO

from zhpolicy.corpus.build import base_doc_id
from zhpolicy.corpus.cleaning import clean_document
from zhpolicy.corpus.readers import RawDocument
from zhpolicy.labels import INSTRUMENT_LABELS
from zhpolicy.tagging import TaggedDocument, Tagger

FORMATS = ("jsonl", "csv")
DOCUMENT_FIELDS = ["doc_id", "source", "title", "province", "year", "sha256"]
CSV_FIELDS = ["record", "doc_id", "source", "sentence", "start", "end", "text", "labels", "entities",
              *[f"score_{label}" for label in INSTRUMENT_LABELS], "title", "province", "year", "sha256",
              *[f"count_{label}" for label in INSTRUMENT_LABELS]]
PROFILE_FIELDS = [*DOCUMENT_FIELDS, "sentences", *INSTRUMENT_LABELS]


@dataclass(frozen=True)
class DocumentInfo:
    """What identifies a tagged document; (source, sha256) says whether it is already tagged."""

    doc_id: str
    source: str
    title: str
    province: str
    year: str
    sha256: str  # of the cleaned text


@dataclass
class CleanedDocument:
    info: DocumentInfo
    text: str


def clean_raw(raw: RawDocument) -> CleanedDocument:
    text = clean_document(raw.text, raw.fmt).text
    info = DocumentInfo(base_doc_id(raw), raw.source, raw.title, raw.province, raw.year,
                        hashlib.sha256(text.encode("utf-8")).hexdigest())
    return CleanedDocument(info, text)


def document_records(doc: TaggedDocument, info: DocumentInfo) -> list[dict]:
    """The sentence records of one document, then its profile record."""
    records = [{"record": "sentence", "doc_id": info.doc_id, "source": info.source, "sentence": index,
                **sentence.to_dict()} for index, sentence in enumerate(doc.sentences)]
    records.append({"record": "profile", **asdict(info), "sentences": len(doc.sentences),
                    "profile": dict(doc.profile)})
    return records


def tag_document(tagger: Tagger, document: CleanedDocument) -> list[dict]:
    return document_records(tagger.tag_cleaned(document.text, document.info.doc_id), document.info)


def model_record(tagger: Tagger) -> dict:
    return {"record": "model", **tagger.info()}


def profile_row(record: dict) -> dict:
    """A profile record flattened into a row of the per-document profile table."""
    return {**{k: record.get(k, "") for k in DOCUMENT_FIELDS}, "sentences": record["sentences"],
            **{label: record["profile"].get(label, 0) for label in INSTRUMENT_LABELS}}


class TagWriter:
    def __init__(self, handle: TextIO, fmt: str, model: dict | None = None):
        self.handle = handle
        self.fmt = fmt
        self.csv = csv.DictWriter(handle, fieldnames=CSV_FIELDS, lineterminator="\n") if fmt == "csv" else None
        if self.csv:
            self.csv.writeheader()
        elif model is not None:
            self.handle.write(json.dumps(model, ensure_ascii=False) + "\n")

    def write_records(self, records: list[dict]) -> None:
        for record in records:
            if not self.csv:
                self.handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            elif record["record"] == "sentence":
                row = dict(record)
                row.update({f"score_{k}": v for k, v in row.pop("scores").items()})
                row["labels"] = ";".join(row["labels"])
                row["entities"] = json.dumps([[e["start"], e["end"], e["label"]] for e in row["entities"]],
                                             ensure_ascii=False)
                self.csv.writerow(row)
            elif record["record"] == "profile":
                row = {k: v for k, v in record.items() if k not in ("profile", "sentences")}
                self.csv.writerow({**row, "sentence": record["sentences"],
                                   **{f"count_{k}": v for k, v in record["profile"].items()}})
