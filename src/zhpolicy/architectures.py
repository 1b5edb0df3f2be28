"""Registered model architectures used by models/configs/instruments.cfg.

This file imports nothing from zhpolicy: `zhpolicy package` ships it inside the
wheel (`spacy package --code`), so the packaged pipeline loads without the
zhpolicy source tree. No `from __future__ import annotations`: spaCy checks
a registered function's signature at run time, and under pydantic 1 (which the
Doccano extra brings) string annotations fail that check.
"""

from functools import partial
from typing import List, Optional

from spacy.ml.models.textcat import NEG_VALUE, build_text_classifier_v2, resize_and_set_ref
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Logistic, Model, SparseLinear_v2, chain, resizable, with_cpu
from thinc.layers.resizable import resize_linear_weighted
from thinc.types import Floats2d


def extract_char_ngrams(max_n: int) -> Model:
    """Hashed counts of the character 1..max_n-grams of each doc's text.

    spaCy's own bag of words counts token n-grams; with a word segmenter those
    are sparse on 2,000 training sentences, while character n-grams (税费, 贷款,
    基站) carry most of what tells the instruments apart, and do not depend on
    where the segmenter cut.
    """
    return Model("extract_char_ngrams", _char_ngrams_forward, attrs={"max_n": max_n})


def _char_ngrams_forward(model: Model, docs: List[Doc], is_train: bool):
    ops, xp = model.ops, model.ops.xp
    batch_keys, batch_vals = [], []
    for doc in docs:
        chars = xp.asarray([ord(ch) for ch in doc.text if not ch.isspace()] or [0], dtype="uint64")
        grams = [chars] + [ops.ngrams(n, chars) for n in range(2, model.attrs["max_n"] + 1) if len(chars) >= n]
        keys, counts = xp.unique(xp.concatenate(grams), return_counts=True)
        batch_keys.append(keys)
        batch_vals.append(counts)
    lengths = ops.asarray([len(k) for k in batch_keys], dtype="int32")
    keys = xp.concatenate(batch_keys)
    vals = ops.asarray(xp.concatenate(batch_vals), dtype="f")
    return (keys, vals, lengths), lambda d_output: []


@registry.architectures("zhpolicy.CharNgramBOW.v1")
def build_char_ngram_bow(max_n: int = 3, length: int = 262144, nO: Optional[int] = None, logits: bool = False
                         ) -> Model[List[Doc], Floats2d]:
    """A multi-label linear classifier over hashed character n-grams, shaped like
    spacy.TextCatBOW.v3 so that TextCatEnsemble.v2 can use it as its linear model.

    With `logits` it hands its scores to the ensemble's output layer before the
    sigmoid, so that a cross-entropy gradient there (TextCatEnsembleLogLoss)
    reaches the n-gram weights without passing through a second sigmoid.
    """
    length = 2 ** (length - 1).bit_length()
    sparse_linear = SparseLinear_v2(nO=nO, length=length)
    resizable_layer = resizable(sparse_linear, resize_layer=partial(resize_linear_weighted,
                                                                    fill_defaults={"b": NEG_VALUE, "W": 0}))
    model = with_cpu(chain(extract_char_ngrams(max_n), resizable_layer), sparse_linear.ops)
    if not logits:
        model = chain(model, Logistic())
    if nO is not None:
        model.set_dim("nO", nO)
    model.set_ref("output_layer", sparse_linear)
    model.attrs["multi_label"] = True
    model.attrs["resize_output"] = partial(resize_and_set_ref, resizable_layer=resizable_layer)
    return model


def logistic_with_log_loss() -> Model[Floats2d, Floats2d]:
    """A sigmoid whose backward pass hands the incoming gradient straight to the logits.

    textcat_multilabel's loss gradient is (scores - truths). Through thinc's
    Logistic it gets multiplied by p(1 - p), so a label the model is sure is
    absent learns almost nothing from a missed positive: squared error on
    probabilities. Passing (scores - truths) to the logits unchanged is the
    gradient of binary cross-entropy instead, which keeps rare labels (finance,
    tax, services: a few per cent of sentences) learning.
    """
    return Model("logistic_with_log_loss", _logistic_with_log_loss_forward)


def _logistic_with_log_loss_forward(model: Model, X: Floats2d, is_train: bool):
    Y = model.ops.sigmoid(X, inplace=False)
    return Y, lambda dY: dY


@registry.architectures("zhpolicy.TextCatEnsembleLogLoss.v1")
def build_ensemble_with_log_loss(tok2vec: Model[List[Doc], List[Floats2d]], linear_model: Model[List[Doc], Floats2d],
                                 nO: Optional[int] = None) -> Model[List[Doc], Floats2d]:
    """spacy.TextCatEnsemble.v2, the same layers and weights, trained with a
    cross-entropy gradient at its output (see logistic_with_log_loss)."""
    model = build_text_classifier_v2(tok2vec, linear_model, nO)
    if not model.attrs["multi_label"]:
        raise ValueError("zhpolicy.TextCatEnsembleLogLoss.v1 is for textcat_multilabel")
    output_layer = model.layers[-1]  # Linear >> Logistic
    if output_layer.layers[-1].name != "logistic":
        raise ValueError(f"unexpected TextCatEnsemble.v2 output layer {output_layer.name!r}")
    output_layer.layers[-1] = logistic_with_log_loss()
    return model
