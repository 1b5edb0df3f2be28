"""The committed manifest of the default corpus: facts about each document, never its text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from zhpolicy.corpus.build import load_documents

MANIFEST_FIELDS = ["doc_id", "source", "record", "province", "year", "chars", "sentences", "sha256"]


def manifest_rows(build_dir: Path) -> list[dict]:
    return [{name: getattr(doc, name) for name in MANIFEST_FIELDS} for doc in load_documents(build_dir)]


def render_manifest(build_dir: Path) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in manifest_rows(build_dir):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def write_manifest(build_dir: Path, path: Path) -> None:
    path.write_text(render_manifest(build_dir), encoding="utf-8")
