"""The instrument_blend component: a scikit-learn linear model averaged into doc.cats."""

import numpy as np
import pytest
import spacy

from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from zhpolicy.components import (CHAR_NGRAMS, INSTRUMENT_BLEND, InstrumentBlend, position_bin, positioned_docs,
                                 sentence_position)
from zhpolicy.errors import ZhpolicyError
from zhpolicy.training.blend import (C, MIN_DF, POSITION_BINS, TOLERANCE, add_blend, fit_char_ngram_classifier,
                                     position_features)

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


# A label that only the sentence's place in its document tells apart: the same
# sentences count as planning near the start of a report and not near its end.
PLACE_TEXTS = ["全年目标是增长百分之五。", "继续推进各项工作。", "今年重点做好以下工作。"] * 6
PLACE_POSITIONS = [0.05] * 9 + [0.95] * 9
PLACE_Y = np.array([[1]] * 9 + [[0]] * 9)


def positioned_pipeline():
    nlp = spacy.blank("zh")
    add_blend(nlp, PLACE_TEXTS, PLACE_Y, ["planning"], positions=PLACE_POSITIONS)
    return nlp


def test_the_position_feature_is_learnt_and_unknown_places_get_the_average():
    blend = positioned_pipeline().get_pipe(INSTRUMENT_BLEND)
    assert blend.position_bins == POSITION_BINS
    early, late, unknown = blend.linear_scores(["继续推进各项工作。"] * 3, [0.02, 0.97, None])[:, 0]
    assert early > 0.5 > late
    # Unknown: the bins' weights averaged by how often training fell in them (half early, half late).
    assert late < unknown < early
    assert blend.linear_scores(["继续推进各项工作。"])[0, 0] == unknown


def test_linear_scores_with_positions_equal_scikit_learns_own_predictions():
    blend = positioned_pipeline().get_pipe(INSTRUMENT_BLEND)
    tfidf = TfidfVectorizer(min_df=MIN_DF, **CHAR_NGRAMS).fit(PLACE_TEXTS)
    features = lambda texts, positions: sparse.hstack([tfidf.transform(texts), position_features(positions)]).tocsr()
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=20000, tol=TOLERANCE)
    model.fit(features(PLACE_TEXTS, PLACE_POSITIONS), PLACE_Y[:, 0])
    texts, positions = ["全年目标。", "推进工作。"], [0.3, 0.8]
    np.testing.assert_allclose(blend.linear_scores(texts, positions)[:, 0],
                               model.predict_proba(features(texts, positions))[:, 1], rtol=1e-5)


def test_the_blend_reads_the_docs_position(tmp_path):
    nlp = positioned_pipeline()
    docs = list(positioned_docs(nlp, ["继续推进各项工作。"] * 2, [0.02, 0.97]))
    for doc in docs:
        doc.cats = {"planning": 0.5}
    early, late = (doc.cats["planning"] for doc in nlp.get_pipe(INSTRUMENT_BLEND).pipe(docs))
    assert early > 0.5 > late
    # Saved and loaded, from disk and from bytes, the position weights come back.
    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p").get_pipe(INSTRUMENT_BLEND)
    copy = InstrumentBlend().from_bytes(nlp.get_pipe(INSTRUMENT_BLEND).to_bytes())
    expected = nlp.get_pipe(INSTRUMENT_BLEND).linear_scores(["推进工作。"] * 3, [0.1, 0.9, None])
    for blend in (loaded, copy):
        np.testing.assert_allclose(blend.linear_scores(["推进工作。"] * 3, [0.1, 0.9, None]), expected)


def test_a_blend_fitted_without_positions_ignores_them():
    blend = blended_pipeline().get_pipe(INSTRUMENT_BLEND)
    assert blend.position_bins == 0
    np.testing.assert_array_equal(blend.linear_scores(["减税。"], [0.1]), blend.linear_scores(["减税。"], [0.9]))


def test_positions_fall_into_equal_bins():
    assert [position_bin(p, 10) for p in (0.0, 0.099, 0.1, 0.55, 0.999, 1.0, None)] == [0, 0, 1, 5, 9, 9, None]
    assert sentence_position(250, 1000) == 0.25 and sentence_position(0, 0) == 0.0


def test_a_blend_saved_before_the_position_feature_still_loads(tmp_path):
    nlp = blended_pipeline()
    nlp.to_disk(tmp_path / "p")
    saved = tmp_path / "p" / INSTRUMENT_BLEND / "linear_model.npz"
    with np.load(saved) as arrays:
        old = {key: arrays[key] for key in ("idf", "coef", "intercept")}
    np.savez_compressed(saved, **old)
    blend = spacy.load(tmp_path / "p").get_pipe(INSTRUMENT_BLEND)
    assert blend.position_bins == 0
    np.testing.assert_allclose(blend.linear_scores(["减免税费。"], [0.3]),
                               nlp.get_pipe(INSTRUMENT_BLEND).linear_scores(["减免税费。"]))
