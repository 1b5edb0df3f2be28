"""Real training, evaluation, packaging and tagging (slow: run with --slow, as CI does)."""

import json
import subprocess
import sys

import pytest

import zhpolicy
from zhpolicy.errors import ZhpolicyError
from zhpolicy.labels import ENTITY_LABELS, INSTRUMENT_LABELS

from conftest import run_cli, train

pytestmark = pytest.mark.slow

REPORT_TEXT = ("各位代表：\n今年，我们将安排专项资金20亿元，支持企业技术改造。\n"
               "全面落实结构性减税政策，减免税费300亿元。\n地区生产总值增长5.4%。")


def test_training_saves_config_thresholds_and_counts(trained):
    assert (trained.model_dir / "config.cfg").exists()
    meta = json.loads((trained.pipeline_dir / "meta.json").read_text(encoding="utf-8"))["zhpolicy"]
    assert set(meta["thresholds"]) == set(INSTRUMENT_LABELS)
    assert all(0 < t < 1 for t in meta["thresholds"].values())
    assert meta["gold_sentences"]["train"] > 2000 and meta["segmenter"] == "char"
    assert meta["misaligned_entities"] == {}  # every character is a token: nothing can be off a boundary
    assert meta["gazetteer"] is None  # off for char: place names would match inside words
    nlp_meta = json.loads((trained.pipeline_dir / "meta.json").read_text(encoding="utf-8"))
    assert nlp_meta["vectors"]["width"] == 96 and nlp_meta["vectors"]["vectors"] > 1000  # learnt from train docs
    assert nlp_meta["version"] == zhpolicy.__version__  # not spacy train's 0.0.0
    # The instrument scores are averaged with the linear model, which the wheel then needs.
    assert meta["blend"] and "instrument_blend" in nlp_meta["pipeline"]
    assert any(r.startswith("scikit-learn") for r in nlp_meta["requirements"])


def test_python_api_contract(trained):
    tagger = zhpolicy.load(trained.model_dir)
    assert tagger.labels == list(INSTRUMENT_LABELS) and tagger.entity_labels == list(ENTITY_LABELS)
    doc = tagger.tag(REPORT_TEXT, doc_id="r1")
    assert doc.doc_id == "r1" and len(doc.sentences) == 4
    for s in doc.sentences:
        assert doc.text[s.start:s.end] == s.text
        assert set(s.scores) == set(INSTRUMENT_LABELS)
        assert all(s.scores[label] >= tagger.thresholds[label] for label in s.labels)
        assert all(s.text[e.start:e.end] == e.text and e.label in ENTITY_LABELS for e in s.entities)
    assert doc.profile == {label: sum(label in s.labels for s in doc.sentences) for label in INSTRUMENT_LABELS}
    json.dumps(doc.to_dict(), ensure_ascii=False)
    sents = tagger.tag_sentences(["减免税费300亿元。", "地区生产总值增长5.4%。"])
    assert [(s.text, s.start, s.end) for s in sents] == [("减免税费300亿元。", 0, 10), ("地区生产总值增长5.4%。", 0, 13)]


def test_tag_scores_each_sentence_at_its_place_in_the_document(trained):
    tagger = zhpolicy.load(trained.model_dir)
    assert tagger.nlp.get_pipe("instrument_blend").position_bins == 10  # fitted with the train gold's places
    doc = tagger.tag(REPORT_TEXT)
    texts = [s.text for s in doc.sentences]
    places = [s.start / len(doc.text) for s in doc.sentences]
    assert [s.scores for s in tagger.tag_sentences(texts, positions=places)] == [s.scores for s in doc.sentences]
    elsewhere = tagger.tag_sentences(texts, positions=[1 - p for p in places])
    assert [s.scores for s in elsewhere] != [s.scores for s in doc.sentences]
    with pytest.raises(ValueError, match="one value per text"):
        tagger.tag_sentences(texts, positions=places[:1])


def test_tag_sentences_streams_in_batches(trained):
    tagger = zhpolicy.load(trained.model_dir)
    calls = {"pipe": 0, "call": 0}
    nlp = tagger.nlp

    class Spy:
        def pipe(self, texts, **kw):
            calls["pipe"] += 1
            return nlp.pipe(texts, **kw)

        def __call__(self, text):
            calls["call"] += 1
            return nlp(text)

        def __getattr__(self, name):
            return getattr(nlp, name)

    tagger.nlp = Spy()
    texts = (f"第{i}条：安排资金{i}万元。" for i in range(2000))  # a generator: nothing is held in memory
    assert len(tagger.tag_sentences(texts)) == 2000
    assert calls == {"pipe": 8, "call": 0}  # batches of 256, never one call per sentence


def test_load_without_a_model_says_how_to_build_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ZhpolicyError, match="zhpolicy run"):
        zhpolicy.load()
    with pytest.raises(ZhpolicyError, match="no such model"):
        zhpolicy.load("no_such_package_or_folder")


def test_evaluate_writes_metrics_and_report(trained, built_corpus, tmp_path):
    out = tmp_path / "eval"
    result = run_cli("evaluate", str(trained.model_dir), "--split", "test", "--output", str(out),
                     "--build", str(built_corpus))
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert set(metrics["instruments"]["per_label"]) == set(INSTRUMENT_LABELS)
    assert metrics["sentences"] > 500 and 0 <= metrics["instruments"]["macro"]["f"] <= 1
    assert set(metrics["entities"]["per_type"]) == set(ENTITY_LABELS)
    assert "baseline" in metrics and metrics["baseline"]["instruments"]["macro"]["f"] > 0.3
    assert "lac" in metrics["peer"], metrics["peer"]
    low, high = metrics["intervals"]["instruments_macro_f"]  # documents resampled
    assert 0 <= low <= high <= 1 and len(metrics["intervals"]["macro_f_over_baseline"]) == 2
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Instrument labels" in report and "which documents were tested" in report


def test_packaged_wheel_installs_and_loads_by_name(trained, tmp_path):
    result = run_cli("package", str(trained.model_dir), "--version", "0.0.1", "--output", str(tmp_path / "dist"))
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("zh_policy_instruments-0.0.1-*.whl"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True)
    probe = ("import spacy, zhpolicy; nlp = spacy.load('zh_policy_instruments'); "
             "t = zhpolicy.load('zh_policy_instruments'); "
             "print(nlp.meta['name'], nlp.meta['version'], len(t.thresholds), t.tag('减免税费。').sentences[0].text)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["policy_instruments", "0.0.1", "14", "减免税费。"]


def test_tag_cli_writes_jsonl_and_csv_and_skips_bad_files(trained, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "report.txt").write_text(REPORT_TEXT, encoding="utf-8")
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    out = tmp_path / "tagged.jsonl"
    result = run_cli("tag", str(tmp_path / "in"), "--model", str(trained.model_dir), "--output", str(out))
    assert result.returncode == 1 and "empty.txt: empty file" in result.stderr and "Traceback" not in result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["record"] for r in rows] == ["model"] + ["sentence"] * 4 + ["profile"]
    assert rows[0]["name"] == "zh_policy_instruments" and rows[0]["source"] == str(trained.model_dir)
    assert rows[-1]["doc_id"] == "report" and set(rows[-1]["profile"]) == set(INSTRUMENT_LABELS)
    assert len(rows[-1]["sha256"]) == 64 and rows[-1]["source"] == "report.txt"
    result = run_cli("tag", str(tmp_path / "in" / "report.txt"), "--model", str(trained.model_dir), "--format", "csv")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("record,doc_id,source") and len(lines) == 6


@pytest.fixture(scope="session")
def pkuseg_model(tmp_path_factory):
    """Fetched for real from PyPI, as `zhpolicy segmenter fetch` does for users."""
    import os

    from zhpolicy.training.segmenter import cached_pkuseg_model, fetch_pkuseg_model, has_pkuseg_model

    if not os.environ.get("ZHPOLICY_CACHE") and has_pkuseg_model(cached_pkuseg_model()):
        return cached_pkuseg_model()
    return fetch_pkuseg_model(log=lambda *_: None)


def test_pkuseg_pipeline_carries_its_segmenter(tmp_path_factory, built_corpus, pkuseg_model, tmp_path):
    result = train(tmp_path_factory, built_corpus, "pkuseg", 20, str(pkuseg_model), vectors=False)
    meta = json.loads((result.pipeline_dir / "meta.json").read_text(encoding="utf-8"))
    assert "spacy-pkuseg>=1.0,<2" in meta["requirements"]
    assert meta["zhpolicy"]["gazetteer"] and meta["pipeline"][-2:] == ["gazetteer", "place_rules"]
    # Loaded where no pkuseg model is cached: the segmenter must come from the pipeline itself.
    probe = ("import sys, spacy, zhpolicy.architectures, zhpolicy.components; nlp = spacy.load(sys.argv[1]); "
             "print('|'.join(t.text for t in nlp.make_doc('我们隆重庆祝中华人民共和国成立'))); "
             "print('|'.join(t.text for t in nlp.make_doc('坚持邓小平理论，五年内完成')))")
    out = subprocess.run([sys.executable, "-c", probe, str(result.pipeline_dir)], capture_output=True, text=True,
                         env={"ZHPOLICY_CACHE": str(tmp_path), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    first, second = out.stdout.strip().splitlines()
    tokens = first.split("|")
    assert "我们" in tokens and len(tokens) < 15  # words, not characters
    # The word splits travel with the pipeline: the person and the period are tokens of their own.
    assert {"邓小平", "五", "年"} <= set(second.split("|"))


def test_bench_stage_breakdown_covers_the_tokenizer_and_every_component(trained):
    from zhpolicy.bench import stage_seconds

    nlp = zhpolicy.load(trained.model_dir).nlp
    seconds = stage_seconds(nlp, [REPORT_TEXT.replace("\n", "")] * 50)
    assert list(seconds) == ["tokenizer", *nlp.pipe_names]
    assert all(value >= 0 for value in seconds.values()) and sum(seconds.values()) > 0
