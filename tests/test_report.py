"""The report stage: loading tagged JSONL and rendering the offline HTML report."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_data import HOSTILE, MODEL, document, synthetic_corpus, write_jsonl

import zhpolicy
from zhpolicy.errors import ZhpolicyError
from zhpolicy.report import load_tagged, province_shares, render_report, write_report
from zhpolicy.report.loading import UNKNOWN_PROVINCE
from zhpolicy.report.render import ENTITY_COLORS, displacy_markup


def embedded_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="zp-data">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


class Tags(HTMLParser):
    """Every element the browser would build from the page."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.fixture()
def corpus(tmp_path) -> list[Path]:
    return synthetic_corpus(tmp_path / "tagged")


def test_load_files_and_folders(tmp_path, corpus):
    from_files = load_tagged(corpus)
    from_folder = load_tagged(tmp_path / "tagged")  # rglob, sorted: a/gd.jsonl before b.jsonl
    for collection in (from_files, from_folder):
        assert [d.doc_id for d in collection.documents] == ["gd-2026", "zj-2026", "cn-2026"]
        assert len(collection.sentences) == 520
        assert collection.sentence_total == 520
        assert collection.model.name == "zh_policy_instruments"
        assert collection.other_models == []  # the same model record in both files
        assert not collection.notes
    assert load_tagged(str(corpus[0])).documents[0].province == "广东省"


def test_differing_models_are_reported(tmp_path):
    other = {**MODEL, "version": "0.2.0", "evaluation": None}
    write_jsonl(tmp_path / "1.jsonl", [MODEL, *document("d1", "一", "广东省", "2026", [("甲。", [], [])])])
    write_jsonl(tmp_path / "2.jsonl", [other, *document("d2", "二", "广东省", "2026", [("乙。", [], [])])])
    collection = load_tagged(tmp_path)
    assert collection.model.version == "0.1.0"
    assert [m.version for m in collection.other_models] == ["0.2.0"]
    html = render_report(collection)
    assert "different model" in html and "0.2.0" in html


def test_bad_json_line_names_file_and_line(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(MODEL) + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(ZhpolicyError) as err:
        load_tagged(path)
    message = str(err.value)
    assert "broken.jsonl" in message and "line 3" in message and "\n" not in message


def test_missing_file_and_bad_records(tmp_path):
    with pytest.raises(ZhpolicyError, match="nothing-here.jsonl"):
        load_tagged(tmp_path / "nothing-here.jsonl")
    bad = write_jsonl(tmp_path / "bad.jsonl", [MODEL, {"record": "sentence", "doc_id": "x", "sentence": 0}])
    with pytest.raises(ZhpolicyError, match=r"bad.jsonl: line 2: .*text"):
        load_tagged(bad)
    (tmp_path / "list.jsonl").write_text('["not", "an", "object"]\n', encoding="utf-8")
    with pytest.raises(ZhpolicyError, match=r"list.jsonl: line 1: not a JSON object"):
        load_tagged(tmp_path / "list.jsonl")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ZhpolicyError, match="no \\*.jsonl"):
        load_tagged(tmp_path / "empty")


def test_unknown_records_fields_and_missing_profile(tmp_path):
    records = document("d1", "一", "广东省", "2026", [("省财政安排资金。", ["fiscal"], []), ("其他。", [], [])])
    records[0]["extra_field"] = {"anything": 1}
    records[0]["labels"].append("not-a-label")
    path = write_jsonl(tmp_path / "t.jsonl", [{"record": "stats", "x": 1}, MODEL, *records[:-1]])  # no profile record
    collection = load_tagged(path)
    doc = collection.documents[0]
    assert doc.sentences == 2 and doc.profile["fiscal"] == 1 and not doc.has_profile
    assert collection.sentences[0].labels == ("fiscal",)
    assert any("no profile record" in note for note in collection.notes)
    # The same file twice: repeated records are ignored, not double-counted.
    twice = load_tagged([path, path])
    assert len(twice.sentences) == 2 and any("repeated" in note for note in twice.notes)


def test_province_shares(tmp_path):
    write_jsonl(tmp_path / "t.jsonl", [
        MODEL,
        *document("a", "A", "广东省", "2026", [("甲。", ["fiscal"], []), ("乙。", ["fiscal", "tax"], []),
                                               ("丙。", [], []), ("丁。", ["tax"], [])]),
        *document("b", "B", "广东省", "2025", [("戊。", ["fiscal"], [])]),
        *document("c", "C", "", "2026", [("己。", ["green"], []), ("庚。", [], [])]),
        *document("d", "D", "", "2026", [("辛。", [], [])]),
    ])
    rows = {row.province: row for row in province_shares(load_tagged(tmp_path))}
    assert list(rows) == ["广东省", UNKNOWN_PROVINCE]
    gd, unknown = rows["广东省"], rows[UNKNOWN_PROVINCE]
    assert (gd.documents, gd.sentences) == (2, 5)
    assert gd.shares["fiscal"] == pytest.approx(3 / 5) and gd.shares["tax"] == pytest.approx(2 / 5)
    assert gd.shares["green"] == 0.0
    assert (unknown.documents, unknown.sentences) == (2, 3)
    assert unknown.shares["green"] == pytest.approx(1 / 3)


def test_report_is_offline(corpus):
    html = render_report(load_tagged(corpus))
    assert not re.search(r"https?://", html)
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    parser = Tags()
    parser.feed(html)
    assert not [t for t, attrs in parser.tags if t in ("link", "iframe", "img", "object", "embed")]
    assert all("src" not in attrs for t, attrs in parser.tags if t == "script")
    assert 'http-equiv="Content-Security-Policy"' in html


def test_header_footer_and_charts(corpus):
    html = render_report(load_tagged(corpus))
    assert "zh_policy_instruments" in html and "0.677" in html and "0.767" in html
    assert f"zhpolicy {zhpolicy.__version__}" in html
    assert "<b>3</b> documents" in html and "<b>520</b> sentences" in html
    assert '<svg id="heatmap"' in html and '<svg id="profiles"' in html
    assert "财政资金" in html and "营商环境与政务服务" in html and UNKNOWN_PROVINCE in html
    assert "Noto Sans CJK SC" in html and "Microsoft YaHei" in html


def test_not_evaluated(tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", [{**MODEL, "evaluation": None},
                                              *document("d", "D", "广东省", "2026", [("甲。", [], [])])])
    assert "not evaluated" in render_report(load_tagged(path))


def test_hostile_text_is_escaped(corpus):
    html = render_report(load_tagged(corpus))
    # Exactly two script elements (data + code); the sentence cannot close or add one.
    assert html.count("<script") == 2 and html.count("</script>") == 2
    assert "<b>x" not in html and "<img src=x" not in html and "<!--" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the title, as text in the charts
    data = embedded_data(html)
    hostile = [row for row in data["sentences"] if row[2] == HOSTILE]
    assert len(hostile) == 1
    markup = re.sub(r"<(\d+)>", lambda m: data["tags"][int(m.group(1))], hostile[0][3])
    assert "&lt;/script&gt;" in markup and "&lt;b&gt;x&lt;/b&gt;" in markup and "&lt;!--" in markup
    assert "<b>" not in markup


def test_displacy_marks(corpus):
    collection = load_tagged(corpus)
    data = embedded_data(render_report(collection))
    assert len(data["sentences"]) == len(collection.sentences)
    # The browser's expansion gives back displaCy's own markup, sentence by sentence.
    expected = displacy_markup(collection.sentences[:40])
    for row, markup in zip(data["sentences"][:40], expected):
        assert re.sub(r"<(\d+)>", lambda m: data["tags"][int(m.group(1))], row[3]) == markup
    first = expected[0]
    assert first.startswith('<div class="entities"') and '<mark class="entity"' in first
    assert f"background: {ENTITY_COLORS['MONEY']}" in first and "3亿元" in first
    assert len(set(ENTITY_COLORS.values())) == 8


def test_entity_label_cannot_inject(tmp_path):
    records = document("d", "D", "广东省", "2026", [("广东省财政。", [], [("广东省", "GPE")])])
    records[0]["entities"][0]["label"] = '<img src=x onerror="alert(1)">'
    markup = displacy_markup(load_tagged(write_jsonl(tmp_path / "t.jsonl", records)).sentences)[0]
    assert "<img" not in markup and "&lt;img" in markup


def test_write_report_is_atomic(tmp_path, corpus, monkeypatch):
    out = tmp_path / "out" / "report.html"
    collection = load_tagged(corpus)
    assert write_report(collection, out) == out
    before = out.read_text(encoding="utf-8")
    assert before.startswith("<!DOCTYPE html>") and oct(out.stat().st_mode & 0o777) != "0o600"

    import zhpolicy.report.render as render

    # As if interrupted half-way through writing the new report.
    monkeypatch.setattr(render, "atomic_write", _interrupted(render.atomic_write))
    with pytest.raises(KeyboardInterrupt):
        write_report(collection, out)
    assert out.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.html"]


def _interrupted(real):
    """atomic_write whose handle writes 100 characters, then is interrupted."""
    from contextlib import contextmanager

    @contextmanager
    def wrapper(path, *args, **kwargs):
        with real(path, *args, **kwargs) as handle:
            original = handle.write

            def write(text):
                original(text[:100])
                raise KeyboardInterrupt

            handle.write = write
            yield handle

    return wrapper
