import spacy

from zhpolicy.training.gazetteer import RULER_NAME, add_gazetteer, place_names
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


def test_cooccurrence_vectors_put_related_tokens_together():
    sentences = [list("减税降费退税征税"), list("铁路公路水路航路"), list("减税退税降费免税"), list("公路铁路航路水路")] * 30
    vocab, vectors = cooccurrence_vectors(sentences, dim=4, min_count=2)
    vec = dict(zip(vocab, vectors))
    assert vec["税"] @ vec["费"] > vec["税"] @ vec["路"]
