"""Read documents from CSV, JSONL, plain text, Markdown, HTML, PDF and DOCX files.

Every reader yields RawDocument records (text still raw) and reports each
unreadable file or record as an InputError instead of raising, so one bad
file never stops a build.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from charset_normalizer import from_bytes

from zhpolicy.errors import InputError

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

SUPPORTED_SUFFIXES = {".csv", ".jsonl", ".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
# Known formats that are refused with advice; a folder of them is reported, not silently skipped.
REFUSED_SUFFIXES = {".doc": "old .doc format (binary Word), which cannot be read; save it as .docx"}
TEXT_FIELDS = ("full_text", "content", "text")
DEFAULT_MAX_MB = 16.0

# Provincial-level regions, longest first so 内蒙古自治区 wins over a prefix.
PROVINCES = sorted(
    """北京市 天津市 上海市 重庆市 河北省 山西省 辽宁省 吉林省 黑龙江省 江苏省 浙江省 安徽省
    福建省 江西省 山东省 河南省 湖北省 湖南省 广东省 海南省 四川省 贵州省 云南省 陕西省 甘肃省
    青海省 台湾省 内蒙古自治区 广西壮族自治区 西藏自治区 宁夏回族自治区 新疆维吾尔自治区
    香港特别行政区 澳门特别行政区""".split(),
    key=len,
    reverse=True,
)


@dataclass
class RawDocument:
    """One document as read from its file, before cleaning."""

    source: str  # path relative to the input root it was found under
    record: int | None  # row/line index inside a multi-document file
    fmt: str  # csv, jsonl, txt, md, html, pdf, docx
    text: str
    title: str = ""
    province: str = ""
    year: str = ""
    meta: dict = field(default_factory=dict)


def detect_province(*texts: str) -> str:
    for text in texts:
        for name in PROVINCES:
            if name in (text or ""):
                return name
    return ""


def detect_year(*texts: str) -> str:
    for text in texts:
        match = re.search(r"(19[4-9]\d|20\d\d)年", text or "")
        if match:
            return match.group(1)
    return ""


def decode_bytes(data: bytes, path: str | Path) -> str:
    """Decode UTF-8 (with or without BOM), GB18030/GBK or Big5, detected from the bytes."""
    if not data.strip():
        raise InputError(path, "empty file")
    if b"\x00" in data[:8192]:
        raise InputError(path, "binary file (contains NUL bytes), not a text document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    if best is None:
        raise InputError(path, "cannot decode: not UTF-8, GB18030/GBK or Big5")
    text = str(best)
    if not _looks_like_text(text):
        raise InputError(path, f"decodes as {best.encoding} but is not readable text (binary file?)")
    return text


def _looks_like_text(text: str) -> bool:
    sample = text[:20000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return controls <= len(sample) * 0.01


def read_file(path: Path, root: Path, max_mb: float = DEFAULT_MAX_MB) -> Iterator[RawDocument | InputError]:
    """Yield the documents of one file, or InputErrors for what cannot be read."""
    shown = _display_path(path)
    rel = _relative_source(path, root)
    suffix = path.suffix.lower()
    if suffix in REFUSED_SUFFIXES:
        yield InputError(shown, REFUSED_SUFFIXES[suffix])
        return
    if suffix not in SUPPORTED_SUFFIXES:
        yield InputError(shown, f"unsupported file type {suffix or '(none)'}; expected one of "
                                + ", ".join(sorted(SUPPORTED_SUFFIXES)))
        return
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield InputError(shown, f"cannot read: {exc.strerror}")
        return
    if size > max_mb * 1_000_000:
        yield InputError(shown, f"{size / 1_000_000:.1f} MB is over the {max_mb:g} MB limit for one file "
                                "(split it, or raise the limit with --max-mb)")
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield InputError(shown, f"cannot read: {exc.strerror}")
        return
    if suffix in (".pdf", ".docx"):
        if not data.strip():
            yield InputError(shown, "empty file")
        else:
            yield (_read_pdf if suffix == ".pdf" else _read_docx)(data, shown, rel, path.stem)
        return
    try:
        text = decode_bytes(data, shown)
    except InputError as exc:
        yield exc
        return
    if suffix == ".csv":
        yield from _read_csv(text, shown, rel)
    elif suffix == ".jsonl":
        yield from _read_jsonl(text, shown, rel)
    else:
        fmt = {".markdown": "md", ".htm": "html"}.get(suffix, suffix[1:])
        yield RawDocument(source=rel, record=None, fmt=fmt, text=text, title="")


def _read_csv(text: str, shown: str, rel: str) -> Iterator[RawDocument | InputError]:
    reader = csv.DictReader(io.StringIO(text))
    fields = reader.fieldnames or []
    text_field = next((f for f in TEXT_FIELDS if f in fields), None)
    if text_field is None:
        yield InputError(shown, "CSV has no text column (expected one of "
                                f"{', '.join(TEXT_FIELDS)}; found: {', '.join(fields) or 'no header'})")
        return
    found = False
    try:
        for index, row in enumerate(reader):
            body = (row.get(text_field) or "").strip()
            if not body:
                yield InputError(f"{shown} row {index + 2}", f"empty {text_field}")
                continue
            found = True
            yield _record_document(row, body, rel, index, "csv")
    except csv.Error as exc:
        yield InputError(shown, f"malformed CSV: {exc}")
        return
    if not found:
        yield InputError(shown, "CSV has no rows with text")


def _read_jsonl(text: str, shown: str, rel: str) -> Iterator[RawDocument | InputError]:
    found = False
    for index, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputError(f"{shown} line {index + 1}", f"not valid JSON ({exc.msg})")
            continue
        if not isinstance(row, dict):
            yield InputError(f"{shown} line {index + 1}", "not a JSON object")
            continue
        text_field = next((f for f in TEXT_FIELDS if isinstance(row.get(f), str)), None)
        if text_field is None or not row[text_field].strip():
            yield InputError(f"{shown} line {index + 1}", f"no text field ({', '.join(TEXT_FIELDS)})")
            continue
        found = True
        yield _record_document(row, row[text_field], rel, index, "jsonl")
    if not found:
        yield InputError(shown, "JSONL file has no readable records")


def _record_document(row: dict, body: str, rel: str, index: int, fmt: str) -> RawDocument:
    title = str(row.get("title") or "").strip()
    year = str(row.get("year") or "").strip()
    province = str(row.get("province") or "").strip() or detect_province(title)
    return RawDocument(source=rel, record=index, fmt=fmt, text=body, title=title,
                       province=province, year=year or detect_year(title))


# ---------------------------------------------------------------- PDF and DOCX

_TITLE_PLACEHOLDERS = {"untitled", "无标题", "document", "title"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office files, and password-protected .docx


def _office_document(rel: str, fmt: str, text: str, title: str, stem: str) -> RawDocument:
    title = _usable_title(title) or stem
    return RawDocument(source=rel, record=None, fmt=fmt, text=text, title=title,
                       province=detect_province(title, stem), year=detect_year(title, stem))


def _usable_title(title: str | None) -> str:
    """A metadata title worth keeping: not a placeholder, not a Word export name, not mojibake."""
    title = re.sub(r"^Microsoft Word - |\.(?:docx?|wps)$", "", (title or "").strip())
    if title.lower() in _TITLE_PLACEHOLDERS:
        return ""
    # GBK bytes written without a BOM come back as Latin-1 letters: ignore them.
    if re.search(r"[\x80-\xff]", title) and not re.search(r"[\u4e00-\u9fff]", title):
        return ""
    return title


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split()).strip("'\"")
    return text[:120] or type(exc).__name__


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs warnings about damaged files; the InputError already says what matters."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR + 10)
    try:
        yield
    finally:
        logger.setLevel(level)


def _read_pdf(data: bytes, shown: str, rel: str, stem: str) -> RawDocument | InputError:
    """The text layer, page by page; pages are joined with a plain line break so that
    cleaning can mend a sentence cut by the page break."""
    from pypdf.errors import DependencyError  # imported here: only PDF input pays for pypdf

    if b"%PDF-" not in data[:1024]:
        return InputError(shown, "not a PDF file (no %PDF header)")
    try:
        with _quiet_pypdf():
            pages, title = _pdf_pages(data, shown)
    except InputError as exc:
        return exc
    except DependencyError as exc:  # AES encryption needs cryptography; Brotli streams need brotli
        return InputError(shown, f"reading it needs an optional package: {_one_line(exc)}")
    except Exception as exc:  # pypdf fails in many ways on damaged files; none should stop the build
        return InputError(shown, f"damaged PDF, cannot read it ({_one_line(exc)})")
    text = "\n".join(page.strip("\n") for page in pages)
    if not text.strip():
        return InputError(shown, "no text layer (a scanned PDF?); run OCR first")
    if not _looks_like_text(text):
        return InputError(shown, "text layer is not readable text (fonts without a Unicode map?); run OCR first")
    return _office_document(rel, "pdf", text, title, stem)


def _pdf_pages(data: bytes, shown: str) -> tuple[list[str], str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    # Many official PDFs carry only an owner password (against printing or
    # copying) and open with an empty user password.
    if reader.is_encrypted and not reader.decrypt(""):
        raise InputError(shown, "encrypted PDF that needs a password; save an unprotected copy")
    if not reader.pages:
        raise InputError(shown, "PDF has no pages")
    title = (reader.metadata.title if reader.metadata else None) or ""
    return [page.extract_text() or "" for page in reader.pages], str(title)


def _read_docx(data: bytes, shown: str, rel: str, stem: str) -> RawDocument | InputError:
    """Paragraphs and table cells in document order; headings and cells are set off by
    blank lines so that cleaning never joins them to their neighbours."""
    if data.startswith(_OLE_MAGIC):
        return InputError(shown, "old .doc format (or a password-protected .docx); "
                                 "save it as .docx without a password")
    if not data.startswith(b"PK"):
        return InputError(shown, "not a .docx file (not a zip package)")
    try:
        import docx  # imported here: only DOCX input pays for it

        document = docx.Document(io.BytesIO(data))
        text = "\n".join(_docx_lines(document))
        title = document.core_properties.title or ""
    except Exception as exc:  # damaged zips and other zip formats (.xlsx, .odt) fail in many ways
        return InputError(shown, "not a readable .docx (damaged, or another kind of zip file: "
                                 f"{_one_line(exc)})")
    if not text.strip():
        return InputError(shown, "no text in the document")
    return _office_document(rel, "docx", text, title, stem)


def _docx_lines(container: DocxDocument | _Cell) -> Iterator[str]:
    """Lines of a document body or a table cell; tables inside cells are read too."""
    import docx.table

    for block in container.iter_inner_content():
        if isinstance(block, docx.table.Table):
            yield from _docx_table_lines(block)
        elif _is_heading(block):
            yield from ("", block.text, "")
        else:
            yield block.text


def _docx_table_lines(table: Table) -> Iterator[str]:
    seen = set()
    for row in table.rows:
        for cell in row.cells:
            # A merged cell comes back once per grid position it covers; its <w:tc> element is one.
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            yield from _docx_lines(cell)
            yield ""


def _is_heading(paragraph: Paragraph) -> bool:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    return name == "Title" or name.startswith(("Heading", "标题"))  # WPS names its styles in Chinese


def iter_input_files(paths: Iterable[Path]) -> Iterator[tuple[Path, Path] | InputError]:
    """Expand folders into their supported files; yield (file, root) pairs, sorted."""
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*")
                           if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES | REFUSED_SUFFIXES.keys()
                           and not _is_listing(p))
            if not files:
                yield InputError(_display_path(path), "folder has no readable documents "
                                                      f"({', '.join(sorted(SUPPORTED_SUFFIXES))})")
            for file in files:
                yield file, path
        elif path.is_file():
            yield path, path.parent
        else:
            yield InputError(_display_path(path), "no such file or folder")


def read_inputs(paths: Iterable[Path], max_mb: float = DEFAULT_MAX_MB) -> Iterator[RawDocument | InputError]:
    for item in iter_input_files(paths):
        if isinstance(item, InputError):
            yield item
        else:
            yield from read_file(item[0], item[1], max_mb)


def _is_listing(path: Path) -> bool:
    """Folder-level metadata files that sit beside the documents (not documents)."""
    return path.name.lower() in {"manifest.csv", "sources.md", "readme.md", "license.md"}


def _relative_source(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _display_path(path: Path) -> str:
    return str(path)
