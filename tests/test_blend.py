"""The instrument_blend component: a scikit-learn linear model averaged into doc.cats."""

import numpy as np
import pytest
import spacy

from zhpolicy.components import INSTRUMENT_BLEND, InstrumentBlend
from zhpolicy.errors import ZhpolicyError
from zhpolicy.training.blend import add_blend, fit_char_ngram_classifier

LABELS = ["tax", "fiscal", "green"]
TEXTS = ["减免税费三百亿元。", "全面落实减税降费政策。", "安排专项资金二十亿元。", "财政资金支持企业技术改造。",
         "减税降费支持小微企业。", "设立专项资金。"] * 3
# green has no positive: the linear model cannot learn it and must leave it alone.
Y = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]] * 3)


def blended_pipeline():
    nlp = spacy.blank("zh")
    add_blend(nlp, TEXTS, Y, LABELS, model_weight=0.25)
    return nlp


def test_linear_scores_equal_scikit_learns_own_predictions():
    nlp = blended_pipeline()
    model, fitted = fit_char_ngram_classifier(TEXTS, Y, LABELS)
    assert fitted == ["tax", "fiscal"]
    blend = nlp.get_pipe(INSTRUMENT_BLEND)
    texts = ["减税三百亿元。", "专项资金支持。"]
    np.testing.assert_allclose(blend.linear_scores(texts), model.predict_proba(texts), rtol=1e-5)


def test_blend_averages_into_the_classifiers_scores_and_keeps_unfitted_labels():
    nlp = blended_pipeline()
    blend = nlp.get_pipe(INSTRUMENT_BLEND)
    doc = nlp.make_doc("减税三百亿元。")
    doc.cats = {"tax": 0.2, "fiscal": 0.6, "green": 0.9}
    linear = blend.linear_scores([doc.text])[0]
    doc = blend(doc)
    assert doc.cats["tax"] == 0.25 * 0.2 + 0.75 * linear[0]
    assert doc.cats["fiscal"] == 0.25 * 0.6 + 0.75 * linear[1]
    assert doc.cats["green"] == 0.9
    assert linear[0] > 0.5 > linear[1]  # it did learn something


def test_blend_round_trips_through_disk_and_bytes(tmp_path):
    nlp = blended_pipeline()
    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    assert loaded.pipe_names == [INSTRUMENT_BLEND]
    texts = ["减免税费。", "财政专项资金。"]
    expected = nlp.get_pipe(INSTRUMENT_BLEND).linear_scores(texts)
    np.testing.assert_allclose(loaded.get_pipe(INSTRUMENT_BLEND).linear_scores(texts), expected)
    copy = InstrumentBlend().from_bytes(nlp.get_pipe(INSTRUMENT_BLEND).to_bytes())
    np.testing.assert_allclose(copy.linear_scores(texts), expected)


def test_an_unfitted_blend_changes_nothing(tmp_path):
    nlp = spacy.blank("zh")
    nlp.add_pipe(INSTRUMENT_BLEND)
    doc = nlp.make_doc("减税。")
    doc.cats = {"tax": 0.3}
    assert nlp.get_pipe(INSTRUMENT_BLEND)(doc).cats == {"tax": 0.3}
    nlp.to_disk(tmp_path / "p")
    assert spacy.load(tmp_path / "p").get_pipe(INSTRUMENT_BLEND)(doc).cats == {"tax": 0.3}


def test_a_train_split_without_any_instrument_is_a_user_error():
    with pytest.raises(ZhpolicyError, match="no sentence with an instrument label"):
        fit_char_ngram_classifier(TEXTS, np.zeros_like(Y), LABELS)
