import numpy
import spacy
from spacy.training import Example

from zhpolicy.architectures import extract_char_ngrams


def test_char_ngrams_count_characters_and_their_bigrams():
    nlp = spacy.blank("zh")
    (keys, vals, lengths), _ = extract_char_ngrams(2)([nlp.make_doc("税费税"), nlp.make_doc("a")], False)
    assert list(lengths) == [4, 1]  # 税, 费 (税 twice) + 税费, 费税; then a
    assert sorted(vals[:4].tolist()) == [1, 1, 1, 2]


def test_textcat_with_char_ngram_bow_learns():
    nlp = spacy.blank("zh")
    textcat = nlp.add_pipe("textcat_multilabel", config={"model": {
        "@architectures": "zhpolicy.CharNgramBOW.v1", "max_n": 2, "length": 1024}})
    data = [("减免税费", {"tax": 1.0, "fiscal": 0.0}), ("专项资金补贴", {"tax": 0.0, "fiscal": 1.0})] * 10
    examples = [Example.from_dict(nlp.make_doc(t), {"cats": c}) for t, c in data]
    nlp.initialize(lambda: examples)
    for _ in range(30):
        nlp.update(examples)
    assert textcat.labels == ("tax", "fiscal") or set(textcat.labels) == {"tax", "fiscal"}
    assert nlp("退税减费").cats["tax"] > 0.5 > nlp("补贴资金").cats["tax"]
    assert numpy.isfinite(list(nlp("补贴").cats.values())).all()


def test_ensemble_with_log_loss_learns_a_rare_label_and_round_trips(tmp_path):
    nlp = spacy.blank("zh")
    tok2vec = {"@architectures": "spacy.Tok2Vec.v2",
               "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": 32, "attrs": ["NORM"], "rows": [500],
                         "include_static_vectors": False},
               "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 32, "depth": 1,
                          "window_size": 1, "maxout_pieces": 2}}
    textcat = nlp.add_pipe("textcat_multilabel", config={"model": {
        "@architectures": "zhpolicy.TextCatEnsembleLogLoss.v1", "tok2vec": tok2vec,
        "linear_model": {"@architectures": "zhpolicy.CharNgramBOW.v1", "max_n": 2, "length": 1024}}})
    assert textcat.model.layers[-1].layers[-1].name == "logistic_with_log_loss"
    # tax on one sentence in twenty: the squared-error gradient would barely move it.
    data = [("减免税费", {"tax": 1.0, "fiscal": 0.0})] + [("专项资金补贴", {"tax": 0.0, "fiscal": 1.0})] * 19
    examples = [Example.from_dict(nlp.make_doc(t), {"cats": c}) for t, c in data]
    nlp.initialize(lambda: examples)
    for _ in range(20):
        nlp.update(examples)
    assert nlp("减免税费").cats["tax"] > 0.5 > nlp("专项资金补贴").cats["tax"]
    nlp.to_disk(tmp_path / "p")
    assert spacy.load(tmp_path / "p")("减免税费").cats == nlp("减免税费").cats
