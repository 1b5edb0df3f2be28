import json

import pytest

from zhpolicy.annotations.agreement import agreement
from zhpolicy.annotations.check import check_annotations
from zhpolicy.annotations.records import AnnotationRecord, validate_record
from zhpolicy.annotations.stats import annotation_stats
from zhpolicy.annotations.store import load_records, merge_records, save_records
from zhpolicy.annotations.worksheet import resolve_entities
from zhpolicy.corpus import load_sentences
from zhpolicy.corpus.build import SentenceRecord, sha1_text

from conftest import REPO, run_cli

TEXT = "今年安排专项资金20亿元，支持北京市新建5G基站2万个。"


def record(cats=(), entities=(), annotator="a", text=TEXT, method="manual"):
    return AnnotationRecord("d/1", "d", sha1_text(text), list(cats), [tuple(e) for e in entities], annotator, method)


def test_valid_record_has_no_problems():
    assert validate_record(record(["fiscal", "infrastructure"], [(0, 2, "DATE"), (8, 12, "MONEY")]), TEXT) == []


@pytest.mark.parametrize("entities,cats,expected", [
    ([(0, 99, "DATE")], [], "out of range"),
    ([(0, 2, "DATE"), (1, 3, "DATE")], [], "overlap"),
    ([(0, 2, "TIME")], [], "unknown entity label"),
    ([], ["money"], "unknown instrument label"),
    ([], ["tax", "tax"], "repeated"),
])
def test_invalid_records_are_named(entities, cats, expected):
    problems = validate_record(record(cats, entities), TEXT)
    assert any(expected in p for p in problems), problems


def test_orphan_when_the_sentence_is_gone():
    assert validate_record(record(), None) == ["orphan: no sentence with this doc_id and sha1 in the built corpus"]


def test_entities_by_surface_text_resolve_in_reading_order():
    text = "北京市和北京市郊区"
    assert resolve_entities(text, [["北京市", "GPE"], ["北京市", "GPE"]]) == [(0, 3, "GPE"), (4, 7, "GPE")]
    with pytest.raises(ValueError):
        resolve_entities(text, [["上海", "GPE"]])


def test_merge_keeps_other_annotators_records_unless_told_to_replace():
    old = record(["tax"], annotator="first")
    new = record(["fiscal"], annotator="second")
    merged, conflicts = merge_records([old], [new])
    assert merged == [old] and conflicts == [(old, new)]
    merged, conflicts = merge_records([old], [new], replace=True)
    assert merged == [new] and not conflicts
    own = record(["fiscal"], annotator="first")
    assert merge_records([old], [own]) == ([own], [])


def test_save_and_load_round_trip(tmp_path):
    recs = [record(["tax"], [(0, 2, "DATE")])]
    save_records(tmp_path, recs)
    loaded = load_records(tmp_path)
    assert [r.to_dict() for r in loaded] == [r.to_dict() for r in recs]
    assert json.loads((tmp_path / "d.jsonl").read_text(encoding="utf-8"))["entities"] == [[0, 2, "DATE"]]


def test_check_reports_orphans_and_bad_offsets(tmp_path):
    sentence = SentenceRecord("d/1", "d", 0, len(TEXT), TEXT, sha1_text(TEXT))
    good = record(["tax"])
    orphan = AnnotationRecord("d/2", "d", sha1_text("别的句子"), [], [], "a")
    bad = AnnotationRecord("e/1", "e", sha1_text(TEXT), [], [(5, 99, "MONEY")], "a")
    save_records(tmp_path, [good, orphan, bad])
    sentences = [sentence, SentenceRecord("e/1", "e", 0, len(TEXT), TEXT, sha1_text(TEXT))]
    result = check_annotations([tmp_path], sentences)
    assert result.records == 3 and result.orphans == 1
    assert any("orphan" in p for p in result.problems) and any("out of range" in p for p in result.problems)


def test_agreement_kappa_and_entity_f1():
    texts = [f"第{i}句话。" for i in range(8)]
    gold = [AnnotationRecord(f"d/{i}", "d", sha1_text(t), ["tax"] if i < 4 else [], [(0, 2, "DATE")], "a")
            for i, t in enumerate(texts)]
    double = [AnnotationRecord(f"d/{i}", "d", sha1_text(t), ["tax"] if i < 3 else [], [(0, 2, "DATE")], "b")
              for i, t in enumerate(texts)]
    result = agreement(gold, double)
    assert result["sentences"] == 8
    assert result["instruments"]["tax"]["kappa"] == pytest.approx(0.75)
    assert result["entities"]["micro"]["f"] == 1.0
    assert result["disagreements"] == ["d/3"]


def test_stats_count_per_split():
    recs = [record(["tax"], [(0, 2, "DATE")]), AnnotationRecord("e/1", "e", "x", [], [], "b")]
    table = annotation_stats(recs, {"d": "train", "e": "test"})
    assert table["train"]["instruments"]["tax"] == 1 and table["test"]["empty"] == 1
    assert table["all"]["sentences"] == 2 and table["train"]["entities"]["DATE"] == 1


def test_import_cli_writes_records_and_lists_invalid_lines(tmp_path, built_corpus):
    sentences = load_sentences(built_corpus)[:2]
    answers = tmp_path / "a.jsonl"
    answers.write_text(
        json.dumps({"sentence_id": sentences[0].sentence_id, "cats": ["planning"], "entities": []}) + "\n"
        + json.dumps({"sentence_id": sentences[1].sentence_id, "cats": ["nonsense"]}) + "\n", encoding="utf-8")
    workdir = tmp_path / "work"
    (workdir / "annotations").mkdir(parents=True)
    result = run_cli("annotations", "import", str(answers), "--annotator", "tester", "--build", str(built_corpus),
                     cwd=workdir)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "unknown instrument label(s): nonsense" in result.stderr
    written = load_records(workdir / "annotations" / "gold")
    assert [(r.sentence_id, r.cats, r.annotator) for r in written] == [(sentences[0].sentence_id, ["planning"],
                                                                         "tester")]


def test_committed_gold_resolves_against_the_shared_corpus(built_corpus):
    """What CI guards: every committed record still matches the corpus built from ../shared."""
    result = run_cli("annotations", "check", "--build", str(built_corpus))
    assert result.returncode == 0, result.stderr[-2000:]
    gold = load_records(REPO / "annotations" / "gold")
    assert len(gold) >= 3000
    assert all(r.annotator and r.method in ("manual", "corrected", "adjudicated") for r in gold)


def test_import_help_shows_both_entity_forms():
    from typer.testing import CliRunner

    from zhpolicy.cli import app

    # Rich reads [..] as markup; the help must still show the two forms literally.
    out = " ".join(CliRunner().invoke(app, ["annotations", "import", "--help"], terminal_width=200).output.split())
    assert "[start, end, LABEL] or [surface text, LABEL]" in out
