"""PDF (text layer) and DOCX input: built here in tmp_path, read like every other format."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import docx
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from zhpolicy.corpus.cleaning import clean_document, drop_page_numbers, is_page_number, mark_short_lines
from zhpolicy.corpus.readers import read_inputs
from zhpolicy.corpus.splitting import split_sentences
from zhpolicy.errors import InputError
from zhpolicy.tag_output import clean_raw

from conftest import run_cli

FONT = "STSong-Light"  # a CID font reportlab knows without font files
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

TITLE = "浙江省关于支持中小企业发展的若干措施（2026年）"
# Page 1 ends in the middle of a sentence that page 2 finishes.
PAGE_ONE = ["一、加大财政支持",
            "省财政安排专项资金5.2亿元，支持中小企业技术改造。各市县要",
            "- 1 -"]
PAGE_TWO = ["落实配套资金，确保政策在年内兑现。",
            "二、优化融资服务",
            "鼓励银行扩大信用贷款规模。",
            "第2页"]


def make_pdf(path: Path, pages: list[list[str]], title: str | None = None, **kw) -> Path:
    pdf = canvas.Canvas(str(path), **kw)
    if title:
        pdf.setTitle(title)
    for lines in pages:
        pdf.setFont(FONT, 12)
        for row, line in enumerate(lines[:-1]):
            pdf.drawString(72, 760 - 20 * row, line)
        pdf.drawCentredString(300, 40, lines[-1])  # the last line is the page footer
        pdf.showPage()
    pdf.save()
    return path


def make_docx(path: Path, title: str = "") -> Path:
    document = docx.Document()
    document.core_properties.title = title
    document.add_heading("关于加快数字经济发展的实施意见", level=1)
    document.add_paragraph("为推动全省数字经济高质量发展，提出以下意见。")
    table = document.add_table(rows=3, cols=2)
    for row, (item, amount) in enumerate([("项目", "金额"), ("技术改造补助", "3000万元"),
                                          ("人才引进奖励", "800万元")]):
        table.cell(row, 0).text = item
        table.cell(row, 1).text = amount
    document.add_heading("一、主要任务", level=2)
    document.add_paragraph("到2027年，全省新建5G基站2万个。")
    document.save(path)
    return path


def read(*paths: Path, **kw):
    items = list(read_inputs(list(paths), **kw))
    return [i for i in items if not isinstance(i, InputError)], [i for i in items if isinstance(i, InputError)]


def sentences(raw) -> list[str]:
    text = clean_document(raw.text, raw.fmt).text
    return [text[span.start:span.end] for span in split_sentences(text)]


# ---------------------------------------------------------------- cleaning steps


def test_page_number_lines():
    for line in ["- 3 -", "-3-", "—3—", "— 12 —", "－3－", "第3页", "第 3 页", "第3页 共12页", "共12页 第3页", "3/12", "3 / 12"]:
        assert is_page_number(line), line
    for line in ["3", "13/12", "2026/3", "第3条", "第三页", "- 3", "人均3/12的比例。", "一、第3页的内容"]:
        assert not is_page_number(line), line
    assert drop_page_numbers(["甲", "- 1 -", "乙"]) == (["甲", "乙"], 1)


def test_page_numbers_go_only_from_pdf_and_docx_text():
    raw = "全省完成投资5亿元。\n- 2 -\n新增就业3万人。"
    assert "- 2 -" not in clean_document(raw, "pdf").text
    assert clean_document(raw, "pdf").removed["page_numbers"] == 1
    assert "- 2 -" not in clean_document(raw, "docx").text
    assert "- 2 -" in clean_document(raw, "txt").text


def test_short_lines_end_paragraphs_in_pdf_text():
    full = "省财政安排专项资金支持中小企业开展技术改造和数字化转型，各市县"
    lines = ["关于支持中小企业发展的通知", full, "要落实配套资金。"]
    assert mark_short_lines(lines) == ["关于支持中小企业发展的通知", "", full, "要落实配套资金。", ""]
    assert clean_document("\n".join(lines), "pdf").text.split("\n") == [lines[0], full + lines[2]]


# ---------------------------------------------------------------- PDF


def test_sentence_cut_by_a_page_break_is_mended(tmp_path):
    make_pdf(tmp_path / "措施.pdf", [PAGE_ONE, PAGE_TWO], title=TITLE)
    docs, errors = read(tmp_path)
    assert not errors
    (doc,) = docs
    assert (doc.source, doc.fmt, doc.title, doc.province, doc.year) == ("措施.pdf", "pdf", TITLE, "浙江省", "2026")
    assert sentences(doc) == ["一、加大财政支持", "省财政安排专项资金5.2亿元，支持中小企业技术改造。",
                              "各市县要落实配套资金，确保政策在年内兑现。", "二、优化融资服务",
                              "鼓励银行扩大信用贷款规模。"]
    # `zhpolicy tag` cleans what read_inputs gives it the same way.
    assert "各市县要落实配套资金，确保政策在年内兑现。" in clean_raw(doc).text


def test_list_items_wrapped_over_printed_lines_are_joined(tmp_path):
    make_pdf(tmp_path / "任务.pdf", [["二、重点任务",
                                      "（一）推进设备更新。对企业购置节能环保设备的，按设备投资",
                                      "额的10%给予补助，单个企业最高500万元。",
                                      "（二）强化人才支撑",
                                      "每年培养高技能人才1万名。",
                                      "—1—"]])
    (doc,), _ = read(tmp_path)
    assert sentences(doc) == ["二、重点任务", "（一）推进设备更新。",
                              "对企业购置节能环保设备的，按设备投资额的10%给予补助，单个企业最高500万元。",
                              "（二）强化人才支撑", "每年培养高技能人才1万名。"]


def test_pdf_title_falls_back_to_the_file_name(tmp_path):
    make_pdf(tmp_path / "2025年江苏省稳就业政策.pdf", [["鼓励企业吸纳高校毕业生就业。", "- 1 -"]])
    (doc,), _ = read(tmp_path)
    assert (doc.title, doc.province, doc.year) == ("2025年江苏省稳就业政策", "江苏省", "2025")


def test_pdf_without_text_layer_asks_for_ocr(tmp_path):
    pdf = canvas.Canvas(str(tmp_path / "scan.pdf"))
    pdf.rect(72, 400, 300, 200, fill=1)  # what a scanned page holds: marks, no text
    pdf.showPage()
    pdf.save()
    docs, errors = read(tmp_path / "scan.pdf")
    assert not docs
    assert str(errors[0]) == f"{tmp_path / 'scan.pdf'}: no text layer (a scanned PDF?); run OCR first"


def test_bad_pdfs_give_one_line_each(tmp_path, capsys):
    (tmp_path / "random.pdf").write_bytes(bytes(range(256)) * 8)
    good = make_pdf(tmp_path / "cut.pdf", [PAGE_ONE, PAGE_TWO]).read_bytes()
    (tmp_path / "truncated.pdf").write_bytes(good[: len(good) // 3])
    make_pdf(tmp_path / "locked.pdf", [PAGE_ONE], encrypt=StandardEncryption("secret", "owner"))
    (tmp_path / "empty.pdf").write_bytes(b"")
    docs, errors = read(tmp_path)
    reasons = {Path(e.path).name: e.reason for e in errors}
    assert reasons["random.pdf"] == "not a PDF file (no %PDF header)"
    assert reasons["truncated.pdf"].startswith("damaged PDF")
    assert "needs a password" in reasons["locked.pdf"]
    assert reasons["empty.pdf"] == "empty file"
    assert all("\n" not in str(e) for e in errors)
    assert [d.source for d in docs] == ["cut.pdf"]
    assert capsys.readouterr().err == ""  # pypdf's own warnings stay quiet


def test_pdf_with_only_an_owner_password_is_read(tmp_path):
    # Restrictions on printing or copying, but no password needed to open it.
    make_pdf(tmp_path / "restricted.pdf", [PAGE_ONE], encrypt=StandardEncryption("", "owner", canCopy=0))
    (doc,), errors = read(tmp_path)
    assert not errors and "省财政安排专项资金5.2亿元" in doc.text


def test_pdf_over_the_size_limit(tmp_path):
    make_pdf(tmp_path / "big.pdf", [PAGE_ONE] * 20)
    _, (error,) = read(tmp_path, max_mb=0.001)
    assert "MB limit" in error.reason


# ---------------------------------------------------------------- DOCX


def test_docx_headings_paragraphs_and_tables_in_order(tmp_path):
    make_docx(tmp_path / "意见.docx", title="广东省关于加快数字经济发展的实施意见")
    (doc,), errors = read(tmp_path)
    assert not errors
    assert (doc.fmt, doc.title, doc.province) == ("docx", "广东省关于加快数字经济发展的实施意见", "广东省")
    assert clean_document(doc.text, doc.fmt).text.split("\n") == [
        "关于加快数字经济发展的实施意见", "为推动全省数字经济高质量发展，提出以下意见。",
        "项目", "金额", "技术改造补助", "3000万元", "人才引进奖励", "800万元",
        "一、主要任务", "到2027年，全省新建5G基站2万个。"]


def test_docx_merged_and_nested_cells_are_read_once(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "重点项目清单"
    table.cell(1, 0).text = "智能制造"
    table.cell(1, 1).add_table(rows=1, cols=1).cell(0, 0).text = "首台套装备补助"
    document.save(tmp_path / "清单.docx")
    (doc,), _ = read(tmp_path)
    assert clean_document(doc.text, doc.fmt).text.split("\n") == ["重点项目清单", "智能制造", "首台套装备补助"]
    assert doc.title == "清单"


def test_traditional_characters_in_docx_come_out_simplified(tmp_path):
    document = docx.Document()
    document.add_paragraph("省政府將進一步優化營商環境，支持民營企業發展。")
    document.save(tmp_path / "繁体.docx")
    (doc,), _ = read(tmp_path)
    assert clean_document(doc.text, doc.fmt).text == "省政府将进一步优化营商环境，支持民营企业发展。"


def test_broken_docx_and_old_doc_give_clear_errors(tmp_path):
    (tmp_path / "random.docx").write_bytes(bytes(range(256)) * 4)
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("notes.txt", "not a Word document")
    (tmp_path / "other.docx").write_bytes(package.getvalue())
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)  # the header of old Office files
    (tmp_path / "old.doc").write_bytes(ole)
    (tmp_path / "renamed.docx").write_bytes(ole)
    make_docx(tmp_path / "good.docx")
    docs, errors = read(tmp_path)
    reasons = {Path(e.path).name: e.reason for e in errors}
    assert reasons["random.docx"] == "not a .docx file (not a zip package)"
    assert reasons["other.docx"].startswith("not a readable .docx")
    assert "old .doc format" in reasons["old.doc"] and "save it as .docx" in reasons["old.doc"]
    assert "old .doc format" in reasons["renamed.docx"]
    assert all("\n" not in str(e) for e in errors)
    assert [d.source for d in docs] == ["good.docx"]


# ---------------------------------------------------------------- CLI


def test_corpus_build_reads_pdf_and_docx_and_reports_the_bad_file(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    make_pdf(inputs / "措施.pdf", [PAGE_ONE, PAGE_TWO], title=TITLE)
    make_docx(inputs / "意见.docx")
    (inputs / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really")
    (inputs / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64))
    result = run_cli("corpus", "build", str(inputs), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("✘")]
    assert len(errors) == 2
    assert any("broken.pdf: damaged PDF" in e for e in errors)
    assert any("old.doc: old .doc format" in e for e in errors)
    assert "documents           2" in result.stdout
    rows = [json.loads(line) for line in (tmp_path / "out" / "sentences.jsonl").read_text("utf-8").splitlines()]
    texts = {row["text"] for row in rows}
    assert "各市县要落实配套资金，确保政策在年内兑现。" in texts
    assert "到2027年，全省新建5G基站2万个。" in texts
    assert not any("- 1 -" in t or "第2页" in t for t in texts)
