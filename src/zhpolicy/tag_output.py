"""Writing tagged documents as JSONL or CSV: a record per sentence and a
profile record per document."""

from __future__ import annotations

import csv
import json
from typing import TextIO

from zhpolicy.labels import INSTRUMENT_LABELS
from zhpolicy.tagging import TaggedDocument

FORMATS = ("jsonl", "csv")
CSV_FIELDS = ["record", "doc_id", "source", "sentence", "start", "end", "text", "labels", "entities",
              *[f"score_{label}" for label in INSTRUMENT_LABELS], *[f"count_{label}" for label in INSTRUMENT_LABELS]]


class TagWriter:
    def __init__(self, handle: TextIO, fmt: str):
        self.handle = handle
        self.fmt = fmt
        self.csv = csv.DictWriter(handle, fieldnames=CSV_FIELDS, lineterminator="\n") if fmt == "csv" else None
        if self.csv:
            self.csv.writeheader()

    def write(self, doc: TaggedDocument, source: str) -> None:
        for index, sentence in enumerate(doc.sentences):
            row = {"record": "sentence", "doc_id": doc.doc_id, "source": source, "sentence": index,
                   **sentence.to_dict()}
            if self.csv:
                scores = row.pop("scores")
                row.update({f"score_{k}": v for k, v in scores.items()})
                row["labels"] = ";".join(row["labels"])
                row["entities"] = json.dumps([[e["start"], e["end"], e["label"]] for e in row["entities"]],
                                             ensure_ascii=False)
                self.csv.writerow(row)
            else:
                self.handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        profile = {"record": "profile", "doc_id": doc.doc_id, "source": source, "sentences": len(doc.sentences),
                   "profile": doc.profile}
        if self.csv:
            self.csv.writerow({"record": "profile", "doc_id": doc.doc_id, "source": source,
                               "sentence": len(doc.sentences),
                               **{f"count_{k}": v for k, v in doc.profile.items()}})
        else:
            self.handle.write(json.dumps(profile, ensure_ascii=False) + "\n")
