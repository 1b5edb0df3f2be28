"""Bad input: one clear line naming the file and the problem; the rest goes on."""

import json

import pytest

from zhpolicy.corpus.readers import decode_bytes, read_inputs
from zhpolicy.errors import InputError

from conftest import run_cli

TEXT = "各位代表：現在我代表省人民政府報告工作。我們堅持穩中求進，推動經濟發展。"


def read(paths, **kw):
    items = list(read_inputs(paths, **kw))
    return [i for i in items if not isinstance(i, InputError)], [i for i in items if isinstance(i, InputError)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "big5"])
def test_encodings_are_detected(encoding):
    text = TEXT * 5
    if encoding in ("gbk", "gb18030"):
        text = "各位代表：现在我代表省人民政府报告工作。我们坚持稳中求进，推动经济发展。" * 5
    assert decode_bytes(text.encode(encoding), "x.txt") == text


def test_csv_jsonl_txt_md_html_are_read(tmp_path):
    (tmp_path / "a.csv").write_text("province,year,title,full_text\n示例省,2026,示例报告,第一句。第二句。\n",
                                    encoding="utf-8-sig")
    (tmp_path / "b.jsonl").write_text(json.dumps({"title": "国", "year": 2024, "content": "内容。"},
                                                 ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("纯文本。", encoding="gb18030")
    (tmp_path / "d.md").write_text("---\ntitle: 标记\n---\n正文。", encoding="utf-8")
    (tmp_path / "e.html").write_text("<title>网页</title><p>段落。</p>", encoding="utf-8")
    docs, errors = read([tmp_path])
    assert not errors
    assert [(d.source, d.fmt) for d in docs] == [("a.csv", "csv"), ("b.jsonl", "jsonl"), ("c.txt", "txt"),
                                                ("d.md", "md"), ("e.html", "html")]
    assert (docs[0].province, docs[0].year, docs[0].title) == ("示例省", "2026", "示例报告")
    assert docs[1].year == "2024"


def test_each_bad_file_gives_one_error_and_the_good_ones_are_still_read(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "undecodable.txt").write_bytes(b"\xff\xfe\xfa" * 7 + b"\x81" * 5)
    (tmp_path / "nocol.csv").write_text("province,title\n甲,乙\n", encoding="utf-8")
    (tmp_path / "bad.jsonl").write_text('{"content": "好的。"}\nnot json\n', encoding="utf-8")
    (tmp_path / "big.txt").write_bytes(("大" * 1000 + "。\n").encode("utf-8") * 7000)  # ~21 MB
    (tmp_path / "good.txt").write_text("这是一份好文件。", encoding="utf-8")
    docs, errors = read([tmp_path])
    messages = {e.path.split("/")[-1]: e.reason for e in errors}
    assert messages["empty.txt"] == "empty file"
    assert "binary" in messages["binary.txt"]
    assert "decode" in messages["undecodable.txt"] or "binary" in messages["undecodable.txt"]
    assert "no text column" in messages["nocol.csv"] and "found: province, title" in messages["nocol.csv"]
    assert messages["bad.jsonl line 2"].startswith("not valid JSON")
    assert "MB limit" in messages["big.txt"]
    assert sorted(d.source for d in docs) == ["bad.jsonl", "good.txt"]


def test_folder_without_documents(tmp_path):
    (tmp_path / "notes.pdfx").write_text("x")
    _, errors = read([tmp_path])
    assert len(errors) == 1 and "no readable documents" in errors[0].reason


def test_cli_reports_bad_files_in_one_line_each_without_traceback(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bad.jsonl").write_text("{oops\n", encoding="utf-8")
    (tmp_path / "good.txt").write_text("这是一份好文件。第二句。", encoding="utf-8")
    result = run_cli("corpus", "build", str(tmp_path), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("✘")]
    assert len(errors) == 3  # empty file, the bad JSON line, and the JSONL with no records
    assert any("empty.txt: empty file" in e for e in errors)
    assert (tmp_path / "out" / "sentences.jsonl").exists()
    assert "documents           1" in result.stdout


def test_cli_exit_code_when_nothing_is_readable(tmp_path):
    result = run_cli("corpus", "build", str(tmp_path / "missing"), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "no such file or folder" in result.stderr and "Traceback" not in result.stderr
