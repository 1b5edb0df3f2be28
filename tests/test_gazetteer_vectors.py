import spacy

from zhpolicy.components import PLACE_RULES
from zhpolicy.training.gazetteer import (RULER_NAME, add_gazetteer, county_short_names, place_names, region_names,
                                        words_not_places)
from zhpolicy.training.vectors import cooccurrence_vectors


def test_place_names_have_full_and_short_forms_but_not_ambiguous_words():
    names = set(place_names())
    assert {"西安市", "西安", "浙江省", "浙江", "内蒙古", "广西", "义乌市", "延庆县"} <= names
    assert not {"长治", "大同", "东方", "市辖区", "城区"} & names


def test_ruler_adds_places_where_the_ner_found_nothing():
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    nlp.add_pipe("ner").add_label("ORG")
    nlp.initialize()
    add_gazetteer(nlp)
    assert nlp.pipe_names[-1] == RULER_NAME
    doc = nlp.make_doc("西安市人民政府支持宝鸡发展")
    doc.ents = [doc.char_span(0, 7, label="ORG")]
    doc = nlp.get_pipe(RULER_NAME)(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("西安市人民政府", "ORG"), ("宝鸡", "GPE")]


def test_county_short_forms_are_kept_unless_the_training_gold_reads_them_as_words():
    assert {"奉节", "涪陵", "凯里", "璧山"} <= county_short_names()
    examples = [("建设平安乡村，推进平安建设", []), ("奉节脐橙远销海外", [(0, 2, "GPE")]),
                ("支持奉节发展", [(2, 4, "GPE")])]
    assert words_not_places({"平安", "奉节", "凯里"}, examples) == {"平安"}
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    add_gazetteer(nlp, examples)
    ruler = nlp.get_pipe(RULER_NAME)
    patterns = {p["pattern"] for p in ruler.patterns}
    assert {"奉节", "凯里"} <= patterns and "平安" not in patterns
    add_gazetteer(nlp)  # no training gold to filter with: no county short forms at all
    assert "奉节" not in {p["pattern"] for p in nlp.get_pipe(RULER_NAME).patterns}


def test_region_names_are_sub_provincial_regions_not_companies():
    names = set(region_names())
    assert {"皖北", "渝东南", "粤西", "滇中", "关中", "苏南"} <= names
    assert "京东" not in names  # a company


def places(text: str, spans: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What the place rules make of these spans (found in reading order) on a char-segmented doc."""
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    rules = nlp.add_pipe(PLACE_RULES)
    doc = nlp.make_doc(text)
    ents, cursor = [], 0
    for surface, label in spans:
        start = text.index(surface, cursor)
        ents.append(doc.char_span(start, start + len(surface), label=label))
        cursor = start + len(surface)
    doc.ents = ents
    return [(e.text, e.label_) for e in rules(doc).ents]


def test_place_rules_drop_places_inside_slogans_and_single_characters():
    assert places("建设平安辽宁和“书香辽宁”，支持辽宁发展", [("辽宁", "GPE")] * 3) == [("辽宁", "GPE")]
    assert places("谱写辽宁篇章", [("辽宁", "GPE")]) == []
    assert places("市、县两级", [("市", "GPE")]) == []
    assert places("“重庆”", [("重庆", "GPE")]) == [("重庆", "GPE")]  # quoted alone is still the place


def test_place_rules_widen_a_place_to_its_named_region_but_never_over_another_entity():
    assert places("建设合肥都市圈", [("合肥", "GPE")]) == [("合肥都市圈", "GPE")]
    assert places("重庆城市群", [("重庆", "GPE"), ("城市群", "ORG")]) == [("重庆", "GPE"), ("城市群", "ORG")]


def test_cooccurrence_vectors_put_related_tokens_together():
    sentences = [list("减税降费退税征税"), list("铁路公路水路航路"), list("减税退税降费免税"), list("公路铁路航路水路")] * 30
    vocab, vectors = cooccurrence_vectors(sentences, dim=4, min_count=2)
    vec = dict(zip(vocab, vectors))
    assert vec["税"] @ vec["费"] > vec["税"] @ vec["路"]
