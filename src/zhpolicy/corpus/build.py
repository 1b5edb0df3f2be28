"""`zhpolicy corpus build`: read, clean, split, de-duplicate, write records."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from zhpolicy.corpus.cleaning import clean_document
from zhpolicy.corpus.dedup import NearCopy, find_near_copies
from zhpolicy.corpus.readers import DEFAULT_MAX_MB, RawDocument, detect_province, detect_year, read_inputs
from zhpolicy.corpus.splitting import split_sentences
from zhpolicy.errors import InputError, ZhpolicyError
from zhpolicy.files import atomic_write

DEFAULT_OUT = Path("corpus/build")


@dataclass
class DocumentRecord:
    doc_id: str
    source: str
    record: int | None
    title: str
    province: str
    year: str
    chars: int
    sentences: int
    sha256: str


@dataclass
class SentenceRecord:
    sentence_id: str
    doc_id: str
    start: int
    end: int
    text: str
    sha1: str


@dataclass
class PreparedDocument:
    """A cleaned document with its sentences, before cross-document de-duplication."""

    doc: DocumentRecord
    text: str
    sentences: list[SentenceRecord]
    removed: Counter


@dataclass
class BuildReport:
    documents: int = 0
    sentences: int = 0
    characters: int = 0
    duplicate_sentences: int = 0
    near_copies: list[NearCopy] = field(default_factory=list)
    per_source: dict[str, Counter] = field(default_factory=dict)
    removed_lines: Counter = field(default_factory=Counter)
    errors: list[InputError] = field(default_factory=list)
    out_dir: Path = DEFAULT_OUT


def sha1_text(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", text).strip("_") or "doc"


def base_doc_id(raw: RawDocument) -> str:
    """A readable id that depends only on what identifies the document."""
    stem = _slug(Path(raw.source).stem)
    if raw.record is None:
        return stem
    if raw.province and raw.year:
        return f"{raw.year}-{raw.province}"
    if raw.year:
        return f"{stem}-{raw.year}"
    key = raw.title or str(raw.record)
    return f"{stem}-{sha1_text(key)[:8]}"


def prepare_document(raw: RawDocument, doc_id: str) -> PreparedDocument:
    cleaned = clean_document(raw.text, raw.fmt)
    title = raw.title or cleaned.title or cleaned.meta.get("title", "") or cleaned.text.split("\n", 1)[0][:60]
    province = raw.province or cleaned.meta.get("province", "") or detect_province(title, raw.source)
    year = raw.year or cleaned.meta.get("year", "") or detect_year(title, raw.source)
    text = cleaned.text
    sentences = []
    seen: Counter = Counter()
    for span in split_sentences(text):
        sentence = text[span.start:span.end]
        digest = sha1_text(sentence)
        seen[digest] += 1
        suffix = "" if seen[digest] == 1 else f"~{seen[digest]}"
        sentences.append(SentenceRecord(f"{doc_id}/{digest[:10]}{suffix}", doc_id,
                                        span.start, span.end, sentence, digest))
    doc = DocumentRecord(doc_id=doc_id, source=raw.source, record=raw.record, title=title,
                         province=province, year=str(year), chars=len(text), sentences=len(sentences),
                         sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    return PreparedDocument(doc, text, sentences, cleaned.removed)


def source_group(source: str) -> str:
    """The summary groups documents by their top folder (or file name)."""
    return source.split("/", 1)[0]


def build_corpus(inputs: Iterable[Path], out_dir: Path = DEFAULT_OUT, max_mb: float = DEFAULT_MAX_MB,
                 progress: bool | None = None) -> BuildReport:
    """Build documents.jsonl and sentences.jsonl under `out_dir` and return what happened."""
    report = BuildReport(out_dir=out_dir)
    raws: list[RawDocument] = []
    for item in tqdm(read_inputs(list(inputs), max_mb), desc="reading", unit="doc",
                     disable=_no_bar(progress), leave=False):
        if isinstance(item, InputError):
            report.errors.append(item)
        else:
            raws.append(item)
    raws.sort(key=lambda r: (r.source, -1 if r.record is None else r.record))
    prepared = []
    used: Counter = Counter()
    total_chars = sum(len(r.text) for r in raws)
    with tqdm(total=total_chars, desc="cleaning", unit="char", unit_scale=True,
              disable=_no_bar(progress, total_chars > 2_000_000), leave=False) as bar:
        for raw in raws:
            base = base_doc_id(raw)
            used[base] += 1
            doc_id = base if used[base] == 1 else f"{base}-{used[base]}"
            doc = prepare_document(raw, doc_id)
            bar.update(len(raw.text))
            if not doc.sentences:
                report.errors.append(InputError(raw.source, "no sentences left after cleaning"))
                continue
            prepared.append(doc)
    report.near_copies = find_near_copies([(p.doc.doc_id, p.text) for p in prepared])
    copies = {c.doc_id for c in report.near_copies}
    kept_docs = [p for p in prepared if p.doc.doc_id not in copies]

    seen_text: dict[str, str] = {}
    duplicates = []
    sentences: list[SentenceRecord] = []
    for p in kept_docs:
        kept = []
        for s in p.sentences:
            first = seen_text.setdefault(s.sha1, s.doc_id)
            if first != s.doc_id:
                duplicates.append({"sentence_id": s.sentence_id, "doc_id": s.doc_id, "sha1": s.sha1,
                                   "first_doc_id": first})
                continue
            kept.append(s)
        p.doc.sentences = len(kept)
        sentences.extend(kept)
        group = report.per_source.setdefault(source_group(p.doc.source), Counter())
        group.update(documents=1, sentences=len(kept), characters=p.doc.chars)
        report.removed_lines.update(p.removed)
    report.documents = len(kept_docs)
    report.sentences = len(sentences)
    report.characters = sum(p.doc.chars for p in kept_docs)
    report.duplicate_sentences = len(duplicates)
    if not kept_docs:
        return report

    out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(out_dir / "documents.jsonl", (asdict(p.doc) for p in kept_docs))
    write_jsonl(out_dir / "sentences.jsonl", (asdict(s) for s in sentences))
    write_jsonl(out_dir / "duplicates.jsonl",
                [{"kind": "document", **asdict(c)} for c in report.near_copies]
                + [{"kind": "sentence", **d} for d in duplicates])
    return report


def _no_bar(progress: bool | None, large: bool = True) -> bool | None:
    if progress is None:
        return None if large else True  # None: tqdm shows it only on a terminal
    return not progress


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    """Write JSON lines atomically: a crash leaves the previous file intact."""
    with atomic_write(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path} line {number}", f"not valid JSON ({exc.msg})") from None


def _require(path: Path) -> Path:
    if not path.exists():
        raise ZhpolicyError(f"{path}: not found; build the corpus first with `zhpolicy corpus build`")
    return path


def load_documents(build_dir: Path = DEFAULT_OUT) -> list[DocumentRecord]:
    return [DocumentRecord(**row) for row in read_jsonl(_require(build_dir / "documents.jsonl"))]


def index_by_content(sentences: Iterable[SentenceRecord]) -> dict[tuple[str, str], SentenceRecord]:
    """Sentences by (doc_id, sha1): the key annotations use. A sentence repeated
    within a document has one text, so any of its occurrences will do."""
    return {(s.doc_id, s.sha1): s for s in sentences}


def load_sentences(build_dir: Path = DEFAULT_OUT) -> list[SentenceRecord]:
    return [SentenceRecord(**row) for row in read_jsonl(_require(build_dir / "sentences.jsonl"))]
