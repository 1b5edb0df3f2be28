import csv
import json

from zhpolicy.corpus import build_corpus, load_documents, load_sentences
from zhpolicy.corpus.dedup import find_near_copies
from zhpolicy.corpus.manifest import render_manifest

from conftest import REPO


def test_ids_and_hashes_are_stable_across_runs(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "r.csv").write_text(
        "province,year,title,full_text\n示例省,2026,示例报告,\"下载\n打印\n各位代表：\n今年新建基站2万个。重复的一句。\"\n"
        "另一省,2026,另一报告,\"重复的一句。另一份报告的内容。\"\n", encoding="utf-8")
    first = build_corpus([tmp_path / "in"], tmp_path / "a", progress=False)
    second = build_corpus([tmp_path / "in"], tmp_path / "b", progress=False)
    assert (tmp_path / "a" / "sentences.jsonl").read_bytes() == (tmp_path / "b" / "sentences.jsonl").read_bytes()
    assert (tmp_path / "a" / "documents.jsonl").read_bytes() == (tmp_path / "b" / "documents.jsonl").read_bytes()
    docs = load_documents(tmp_path / "a")
    assert [d.doc_id for d in docs] == ["2026-示例省", "2026-另一省"]
    sentences = load_sentences(tmp_path / "a")
    assert [s.text for s in sentences] == ["各位代表：", "今年新建基站2万个。", "重复的一句。", "另一份报告的内容。"]
    assert first.duplicate_sentences == 1 and second.removed_lines["page_controls"] == 2


def test_offsets_index_the_cleaned_document(tmp_path):
    (tmp_path / "d.txt").write_text("第一句。第二句！\n标题\n第三句", encoding="utf-8")
    build_corpus([tmp_path / "d.txt"], tmp_path / "out", progress=False)
    sentences = load_sentences(tmp_path / "out")
    cleaned = "第一句。第二句！\n标题\n第三句"
    assert all(cleaned[s.start:s.end] == s.text for s in sentences)
    assert [s.text for s in sentences] == ["第一句。", "第二句！", "标题", "第三句"]


def test_near_copy_documents_are_detected_and_one_kept():
    story = "示例省召开新闻发布会，介绍今年以来稳就业工作的进展情况。全省新增城镇就业三十万人，" * 5
    docs = [("site-a", "来源：甲网\n" + story), ("site-b", story + "\n责任编辑：乙"), ("other", "完全不同的另一篇文章。" * 20)]
    copies = find_near_copies(docs)
    assert len(copies) == 1
    assert {copies[0].doc_id, copies[0].kept_id} == {"site-a", "site-b"}


def test_default_corpus_matches_the_committed_manifest(built_corpus):
    committed = (REPO / "corpus" / "manifest.csv").read_text(encoding="utf-8")
    assert render_manifest(built_corpus) == committed
    rows = list(csv.DictReader(committed.splitlines()))
    provincial = [r for r in rows if r["source"].startswith("provincial-2026/")]
    national = [r for r in rows if r["source"].startswith("national/")]
    assert len(provincial) == 31 and len(national) == 72


def test_default_corpus_has_no_page_furniture_left(built_corpus):
    texts = [json.loads(line)["text"] for line in open(built_corpus / "sentences.jsonl", encoding="utf-8")]
    for junk in ("【字号", "责任编辑", "来源：", "打印", "相关报道"):
        assert not any(t.startswith(junk) for t in texts), junk
    assert not any("本报记者" in t and t.endswith("摄") for t in texts)
