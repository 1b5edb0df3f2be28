"""Fast tests of the Doccano conversions: no server, no doccano-client needed."""

from __future__ import annotations

import json
import zipfile

import pytest

from zhpolicy.corpus.build import SentenceRecord, index_by_content, sha1_text
from zhpolicy.doccano.convert import (
    Suggestion,
    category_id,
    category_text,
    example_row,
    from_utf16,
    label_specs,
    read_export,
    select_sentences,
    to_utf16,
    uncertainty,
    utf16_index,
)
from zhpolicy.doccano.pull import choose_gold_user, read_export_zip
from zhpolicy.doccano.settings import Credentials, credentials
from zhpolicy.errors import ZhpolicyError
from zhpolicy.labels import ENTITY_LABELS, INSTRUMENT_LABELS

# 𠀾 (U+2003E, CJK Extension B) is one Python character but two UTF-16 code units.
RARE = "\U0002003e"
TEXT = f"{RARE}县财政局安排资金3亿元"


def sentence(text: str, doc_id: str = "doc-a", n: int = 0) -> SentenceRecord:
    digest = sha1_text(text)
    return SentenceRecord(sentence_id=f"{doc_id}/{digest[:10]}", doc_id=doc_id, start=n, end=n + len(text),
                          text=text, sha1=digest)


def export_line(s: SentenceRecord, cats=(), entities=(), **extra) -> str:
    row = {"id": 1, "text": s.text, "sentence_id": s.sentence_id, "doc_id": s.doc_id, "sha1": s.sha1,
           "cats": cats if isinstance(cats, str) else list(cats), "entities": [list(e) for e in entities], "Comments": [], **extra}
    return json.dumps(row, ensure_ascii=False)


def test_utf16_offsets_shift_after_a_character_outside_the_bmp():
    assert len(TEXT) == 12 and utf16_index(TEXT)[-1] == 13
    # 财政局 at Python offsets 2..5 is at UTF-16 offsets 3..6 in Doccano.
    assert TEXT[2:5] == "财政局"
    assert to_utf16(TEXT, [(2, 5, "ORG"), (9, 12, "MONEY")]) == [[3, 6, "ORG"], [10, 13, "MONEY"]]
    assert from_utf16(TEXT, [[3, 6, "ORG"], [10, 13, "MONEY"]]) == [(2, 5, "ORG"), (9, 12, "MONEY")]
    # A span covering the rare character itself: 2 units wide, 1 character wide.
    assert from_utf16(TEXT, [[0, 3, "GPE"]]) == [(0, 2, "GPE")]
    assert TEXT[0:2] == f"{RARE}县"


def test_utf16_round_trip_on_bmp_text_is_the_identity():
    text = "国务院印发《关于促进消费的意见》"
    spans = [(0, 3, "ORG"), (5, 15, "POLICY")]
    assert to_utf16(text, spans) == [list(s) for s in spans]
    assert from_utf16(text, to_utf16(text, spans)) == spans


@pytest.mark.parametrize("span, reason", [
    ([1, 3, "GPE"], "in half"),          # starts inside the surrogate pair
    ([0, 15, "GPE"], "out of range"),    # past the 13 UTF-16 units
    ([-1, 2, "GPE"], "out of range"),
    ([4, 4, "GPE"], "out of range"),     # empty
    ([1, "3", "GPE"], "malformed"),
    ([1, 3], "malformed"),
    ("1-3 GPE", "malformed"),
])
def test_bad_spans_are_refused(span, reason):
    with pytest.raises(ValueError, match=reason):
        from_utf16(TEXT, [span])


def test_category_display_text_maps_back_to_the_scheme_id():
    for label in INSTRUMENT_LABELS:
        assert category_id(category_text(label)) == label
        assert category_id(label) == label
    assert category_text("fiscal") == "fiscal 财政资金"
    assert category_id("fiscal 税费") is None  # id and name of different labels
    assert category_id("subsidy") is None
    assert category_id(None) is None


def test_label_specs_cover_the_scheme_with_distinct_colours_and_keys():
    specs = label_specs()
    assert [s.text for s in specs if s.kind == "span"] == list(ENTITY_LABELS)
    assert len([s for s in specs if s.kind == "category"]) == len(INSTRUMENT_LABELS) == 14
    assert len({s.color for s in specs}) == len({s.suffix_key for s in specs}) == len(specs) == 22


def test_example_row_carries_metadata_and_utf16_suggestions():
    s = sentence(TEXT)
    plain = example_row(s)
    assert plain == {"text": TEXT, "sentence_id": s.sentence_id, "doc_id": "doc-a", "sha1": s.sha1,
                     "cats": [], "entities": []}
    suggested = example_row(s, Suggestion(["fiscal"], [(2, 5, "ORG")], 0.81234), "zh_pipeline")
    assert suggested["cats"] == ["fiscal 财政资金"]
    assert suggested["entities"] == [[3, 6, "ORG"]]
    assert suggested["suggested_by"] == "zh_pipeline" and suggested["uncertainty"] == 0.8123


def test_uncertainty_is_highest_at_the_threshold():
    assert uncertainty({"fiscal": 0.5}) == 1.0
    assert uncertainty({"fiscal": 0.0, "tax": 1.0}) == 0.0
    assert uncertainty({"fiscal": 0.3}, {"fiscal": 0.3}) == 1.0
    assert uncertainty({"fiscal": 0.9, "tax": 0.45}) > uncertainty({"fiscal": 0.9, "tax": 0.1})
    assert uncertainty({}) == 0.0


def test_selection_by_document_split_count_and_skip_is_deterministic():
    a = [sentence(f"甲{i}。", "doc-a", i) for i in range(5)]
    b = [sentence(f"乙{i}。", "doc-b", i) for i in range(3)]
    dup = sentence("甲0。", "doc-a", 99)  # same text twice in one document: one example
    corpus = a + b + [dup]
    assert select_sentences(corpus) == a + b
    assert select_sentences(corpus, docs=["doc-b"]) == b
    assert select_sentences(corpus, split="dev", splits={"doc-a": "train", "doc-b": "dev"}) == b
    assert select_sentences(corpus, count=3) == a[:3]
    skip = {(a[0].doc_id, a[0].sha1)}
    assert select_sentences(corpus, skip=skip, count=2) == a[1:3]
    assert select_sentences(corpus, count=3) == select_sentences(list(corpus), count=3)


@pytest.fixture
def corpus():
    return index_by_content([sentence(TEXT), sentence("国务院部署稳就业工作。", "doc-b")])


def test_export_rows_become_records_in_python_offsets(corpus):
    s = corpus[("doc-a", sha1_text(TEXT))]
    lines = [export_line(s, ["fiscal 财政资金", "planning"], [[3, 6, "ORG"], [10, 13, "MONEY"]])]
    result = read_export(lines, "ann1", corpus)
    assert not result.skips
    [record] = result.records
    assert record.cats == ["planning", "fiscal"]
    assert record.entities == [(2, 5, "ORG"), (9, 12, "MONEY")]
    assert record.annotator == "ann1" and record.method == "manual"
    assert (record.sentence_id, record.doc_id, record.sha1) == (s.sentence_id, s.doc_id, s.sha1)


def test_malformed_rows_unknown_labels_and_bad_offsets_are_counted_and_listed(corpus):
    s = corpus[("doc-a", sha1_text(TEXT))]
    other = corpus[("doc-b", sha1_text("国务院部署稳就业工作。"))]
    lines = [
        "{not json",
        "[1, 2]",
        json.dumps({"text": TEXT, "cats": []}),                                   # no metadata
        export_line(s, ["subsidy"]),                                             # unknown category
        export_line(s, [], [[3, 6, "ORGANISATION"]]),                            # unknown span label
        export_line(s, [], [[3, 99, "ORG"]]),                                    # out of range
        export_line(s, [], [[1, 3, "GPE"]]),                                     # half a character
        export_line(s, [], [[3, 6, "ORG"], [4, 8, "GPE"]]),                      # overlap
        export_line(other, [], [], text="国务院部署稳就业工作"),                   # text changed
        export_line(other, [], [], sha1="0" * 40),                               # not in the corpus
        export_line(other, cats="fiscal"),                                       # cats not a list
        "",
        export_line(other, ["employment 就业与人才"], [[0, 3, "ORG"]]),           # the one good row
        export_line(other, ["employment"], []),                                  # same sentence again
    ]
    result = read_export(lines, "ann1", corpus, source="ann1.jsonl")
    assert len(result.records) == 1 and result.records[0].cats == ["employment"]
    reasons = [str(skip) for skip in result.skips]
    assert len(reasons) == 12
    expected = ["line 1: not valid JSON", "line 2: not a JSON object", "line 3: missing sentence_id, doc_id, sha1",
                "unknown instrument label(s) 'subsidy'", "unknown entity label 'ORGANISATION'", "out of range",
                "in half", "entities overlap", "text differs", "no sentence with this doc_id and sha1",
                "cats is not a list", "occurs twice"]
    for reason, fragment in zip(reasons, expected):
        assert fragment in reason, (reason, fragment)
    assert all(r.startswith("ann1.jsonl line ") for r in reasons)


def test_suggested_rows_of_the_pushing_user_are_corrected(corpus):
    s = corpus[("doc-a", sha1_text(TEXT))]
    line = export_line(s, ["fiscal"], [], suggested_by="zh_pipeline", uncertainty=0.4)
    assert read_export([line], "admin", corpus, suggested_for="admin").records[0].method == "corrected"
    assert read_export([line], "ann2", corpus, suggested_for="admin").records[0].method == "manual"


def test_export_zip_is_read_per_annotator(tmp_path, corpus):
    s = corpus[("doc-a", sha1_text(TEXT))]
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ann1.jsonl", export_line(s, ["fiscal"]) + "\n")
        archive.writestr("ann2.jsonl", export_line(s, ["tax"]) + "\n{broken\n")
    per_user = read_export_zip(path, corpus)
    assert sorted(per_user) == ["ann1", "ann2"]
    assert per_user["ann2"].records[0].cats == ["tax"] and len(per_user["ann2"].skips) == 1
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ZhpolicyError, match="nothing was written"):
        read_export_zip(tmp_path / "bad.zip", corpus)


def test_gold_user_choice(corpus):
    s = corpus[("doc-a", sha1_text(TEXT))]
    one = {"ann1": read_export([export_line(s)], "ann1", corpus), "ann2": read_export([], "ann2", corpus)}
    assert choose_gold_user(one, None) == "ann1"
    two = {"ann1": one["ann1"], "ann2": read_export([export_line(s)], "ann2", corpus)}
    with pytest.raises(ZhpolicyError, match="--gold"):
        choose_gold_user(two, None)
    assert choose_gold_user(two, "ann2") == "ann2"
    with pytest.raises(ZhpolicyError, match="not a member"):
        choose_gold_user(two, "nobody")


def test_credentials_come_from_the_environment_and_never_show_the_password(monkeypatch):
    monkeypatch.setenv("DOCCANO_URL", "http://127.0.0.1:9999/")
    monkeypatch.setenv("DOCCANO_USERNAME", "ann1")
    monkeypatch.setenv("DOCCANO_PASSWORD", "s3cret-value")
    creds = credentials()
    assert creds == Credentials("http://127.0.0.1:9999", "ann1", "s3cret-value") and creds.port == 9999
    assert "s3cret-value" not in repr(creds)
    monkeypatch.delenv("DOCCANO_URL")
    assert credentials().url == "http://127.0.0.1:8000"


def test_core_cli_lists_the_doccano_commands_without_the_client():
    from typer.testing import CliRunner

    from zhpolicy.cli import app

    out = CliRunner().invoke(app, ["doccano", "--help"]).output
    assert "serve" in out and "push" in out and "pull" in out


def test_missing_extra_gives_the_install_command(monkeypatch):
    import sys

    from zhpolicy.doccano.client import connect

    monkeypatch.setitem(sys.modules, "doccano_client", None)  # as if not installed
    with pytest.raises(ZhpolicyError, match=r"pip install 'zhpolicy\[doccano\]'"):
        connect(credentials())
