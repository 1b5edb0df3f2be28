"""Registered pipeline components that the trained pipelines use, and their tokenizer.

Like architectures.py this file imports nothing from zhpolicy: `zhpolicy
package` ships it inside the wheel, so the packaged pipeline loads with spaCy
(and scikit-learn, which the wheel requires) alone.
"""

import json
import re
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Set, Tuple

import numpy as np
import srsly
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.lang.zh import ChineseTokenizer
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans, minibatch, registry

PLACE_RULES = "place_rules"
INSTRUMENT_BLEND = "instrument_blend"
# spaCy's Chinese tokenizer plus split_words below; the configs name it.
POLICY_TOKENIZER = "zhpolicy.ChineseTokenizer.v1"
# The character n-gram features of the linear model; training/blend.py fits with the same.
CHAR_NGRAMS = dict(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
# Where a sentence starts in its document, as a fraction of the document's
# length (0 = first character), or None when that is not known (a lone
# sentence). The tagger sets it; the blend's linear model reads it.
DOC_POSITION = "doc_position"
if not Doc.has_extension(DOC_POSITION):
    Doc.set_extension(DOC_POSITION, default=None)


def sentence_position(start: int, doc_chars: int) -> float:
    return min(max(start / max(doc_chars, 1), 0.0), 1.0)


def positioned_docs(nlp: Language, texts: Iterable[str], positions: Optional[Iterable[Optional[float]]] = None
                    ) -> Iterator[Doc]:
    """Tokenized docs carrying their positions, for nlp.pipe (which skips the tokenizer for a Doc)."""
    if positions is None:
        yield from (nlp.make_doc(text) for text in texts)
        return
    for text, position in zip(texts, positions):
        doc = nlp.make_doc(text)
        doc._.set(DOC_POSITION, position)
        yield doc


def position_bin(position, bins: int):
    """The equal-width bin (0..bins-1) of a position, None when it is unknown."""
    if position is None or bins <= 0:
        return None
    return min(int(float(position) * bins), bins - 1)

# The scheme's span rule for GPE: "the name only, as a word of its own: not
# inside a slogan or programme name (数字福建)". Reports build such slogans from
# a short set of two-character words before the place, or a few nouns after it.
SLOGAN_BEFORE = ("平安", "健康", "数字", "美丽", "法治", "技能", "书香", "幸福", "智慧", "活力", "诗画", "清新",
                 "人文", "魅力", "诚信", "创业", "乐购", "留学", "投资", "文明", "无废", "韧性")
SLOGAN_AFTER = ("篇章", "故事", "实践", "优品", "样板", "方案")
# Named regions the scheme counts as one GPE: a place followed directly by one of these.
REGION_SUFFIXES = ("都市圈", "城市群", "城市圈", "经济带", "经济区", "新区")
_QUOTED = re.compile(r"“[^“”]{1,30}”|「[^「」]{1,30}」")


class PlaceRules:
    """Applies the scheme's GPE span rules to the recognizer's and gazetteer's
    places: drops one-character places (fused abbreviations such as 浙企 are
    not GPE) and places inside slogans (“书香辽宁”, 平安吉林, 辽宁篇章), and
    widens a place to the named region it begins (合肥都市圈)."""

    def __call__(self, doc: Doc) -> Doc:
        quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(doc.text)]
        taken = {i for ent in doc.ents if ent.label_ != "GPE" for i in range(ent.start, ent.end)}
        kept: List[Span] = []
        for ent in doc.ents:
            if ent.label_ == "GPE":
                if len(ent.text) < 2 or in_slogan(doc.text, ent.start_char, ent.end_char, quoted):
                    continue
                ent = widen_to_region(doc, ent, taken)
            kept.append(ent)
        doc.ents = filter_spans(kept)  # a widened region may now cover a neighbour
        return doc

    # Stateless: nothing to save, but spaCy serialises every component.
    def to_disk(self, path, *, exclude=tuple()) -> None:
        pass

    def from_disk(self, path, *, exclude=tuple()):
        return self

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        return b""

    def from_bytes(self, data: bytes, *, exclude=tuple()):
        return self


def in_slogan(text: str, start: int, end: int, quoted: List[Tuple[int, int]]) -> bool:
    """The place is part of a slogan: quoted together with other words, or
    joined to a slogan word before or after it."""
    for q_start, q_end in quoted:
        if q_start < start and end < q_end and (q_start + 1, q_end - 1) != (start, end):
            return True
    return text[max(0, start - 2):start] in SLOGAN_BEFORE or text[end:end + 2] in SLOGAN_AFTER


def widen_to_region(doc: Doc, ent: Span, taken: Set[int]) -> Span:
    for suffix in REGION_SUFFIXES:
        if doc.text.startswith(suffix, ent.end_char):
            wider = doc.char_span(ent.start_char, ent.end_char + len(suffix), label="GPE")
            if wider is not None and not taken & set(range(wider.start, wider.end)):
                return wider
    return ent


# Words pkuseg keeps whole though an entity ends inside them, so the NER could
# never produce the span. Chosen from the train gold's misaligned spans (each
# three times or more there): a person inside a doctrine (邓小平|理论), a
# province or city taken into the verb before it (代表省|政府).
WORD_SPLITS = {
    "马克思列宁主义": ("马克思", "列宁", "主义"), "马克思主义": ("马克思", "主义"), "列宁主义": ("列宁", "主义"),
    "邓小平理论": ("邓小平", "理论"), "毛泽东思想": ("毛泽东", "思想"),
    "代表省": ("代表", "省"), "代表市": ("代表", "市"), "组建省": ("组建", "省"), "这两年": ("这", "两年"),
}
# 五|年内 holds the DATE 五年: after a numeral these split after 年.
YEAR_WORDS = ("年内", "年中", "年间", "年前")
NUMERAL_CHARS = set("零〇一二三四五六七八九十百千万两0123456789")


def split_words(words: List[str], spaces: List[bool]) -> Tuple[List[str], List[bool]]:
    """The segmenter's words with WORD_SPLITS and YEAR_WORDS split; the text is unchanged."""
    out_words: List[str] = []
    out_spaces: List[bool] = []
    for word, space in zip(words, spaces):
        pieces = WORD_SPLITS.get(word)
        if pieces is None and word in YEAR_WORDS and out_words and out_words[-1][-1:] in NUMERAL_CHARS \
                and not out_spaces[-1]:
            pieces = (word[0], word[1:])
        if pieces is None:
            out_words.append(word)
            out_spaces.append(space)
            continue
        out_words.extend(pieces)
        out_spaces.extend([False] * (len(pieces) - 1) + [space])
    return out_words, out_spaces


class PolicyTokenizer(ChineseTokenizer):
    """spaCy's Chinese tokenizer (char or pkuseg, serialised the same way) with
    split_words applied to pkuseg's words."""

    def __call__(self, text: str) -> Doc:
        doc = super().__call__(text)
        if self.segmenter != "pkuseg":
            return doc
        words, spaces = split_words([t.text for t in doc], [bool(t.whitespace_) for t in doc])
        if len(words) == len(doc):
            return doc
        return Doc(self.vocab, words=words, spaces=spaces)


def create_policy_tokenizer(segmenter: str = "char"):
    def policy_tokenizer_factory(nlp):
        return PolicyTokenizer(nlp.vocab, segmenter=segmenter)

    return policy_tokenizer_factory


def make_place_rules(nlp: Language, name: str) -> PlaceRules:
    return PlaceRules()


class InstrumentBlend:
    """Averages the text classifier's instrument scores with those of a linear
    model over TF-IDF-weighted character 1-3-grams and the sentence's place in
    its document, fitted on the train gold with scikit-learn
    (training/blend.py). The two err differently: the CNN reads words in
    context, the linear model keeps every n-gram cue such as ...以上 or ...左右
    after a number. Labels the linear model was not fitted on keep the
    classifier's score.

    The position is one of `position_bins` equal stretches of the document
    (doc._.doc_position): reports put their targets near the start. A sentence
    whose position is unknown gets, per label, the training-frequency-weighted
    mean of the bin weights instead."""

    def __init__(self, model_weight: float = 0.5):
        self.model_weight = model_weight  # the text classifier's share of the average
        self.labels: List[str] = []
        self.vocabulary: List[str] = []
        self.idf = np.zeros(0)
        self.coef = np.zeros((0, 0), dtype=np.float32)
        self.intercept = np.zeros(0)
        self.position_coef = np.zeros((0, 0))  # labels x bins
        self.unknown_position = np.zeros(0)  # per label
        self._weights = np.zeros((0, 0))
        self._position_table = np.zeros((1, 0))  # bins x labels, then a row for an unknown place
        self._vectorizer = None

    @property
    def position_bins(self) -> int:
        return self.position_coef.shape[1]

    def set_linear_model(self, labels: List[str], vocabulary: List[str], idf, coef, intercept,
                         position_coef=None, unknown_position=None) -> None:
        self.labels, self.vocabulary = list(labels), list(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        n_labels = len(self.labels)
        position_coef = np.asarray([] if position_coef is None else position_coef, dtype=np.float64)
        self.position_coef = position_coef.reshape(n_labels, -1) if position_coef.size else np.zeros((n_labels, 0))
        self.unknown_position = (np.asarray(unknown_position, dtype=np.float64).reshape(n_labels)
                                 if self.position_bins and unknown_position is not None else np.zeros(n_labels))
        # Stored as float32; transposed to float64 once here, not on every batch while tagging.
        self._weights = self.coef.T.astype(np.float64)
        self._position_table = np.vstack([self.position_coef.T, self.unknown_position])
        if not self.vocabulary:
            self._vectorizer = None
            return
        vectorizer = TfidfVectorizer(vocabulary={ngram: i for i, ngram in enumerate(self.vocabulary)},
                                     **CHAR_NGRAMS)
        vectorizer.idf_ = self.idf
        self._vectorizer = vectorizer

    def linear_scores(self, texts: List[str], positions: Optional[List[Optional[float]]] = None) -> np.ndarray:
        logits = self._vectorizer.transform(texts) @ self._weights + self.intercept
        if self.position_bins:
            unknown = self.position_bins  # the table's last row
            rows = [unknown if b is None else b
                    for b in (position_bin(p, self.position_bins) for p in (positions or [None] * len(texts)))]
            logits += self._position_table[rows]
        return expit(logits)

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for batch in minibatch(docs, batch_size):
            if self._vectorizer is None:  # not fitted: leave the classifier's scores alone
                yield from batch
                continue
            rows = self.linear_scores([doc.text for doc in batch], [doc._.get(DOC_POSITION) for doc in batch])
            for doc, row in zip(batch, rows):
                for label, score in zip(self.labels, row):
                    classifier = doc.cats.get(label, 0.0)
                    doc.cats[label] = self.model_weight * classifier + (1 - self.model_weight) * float(score)
            yield from batch

    def _state(self) -> dict:
        return {"labels": self.labels, "vocabulary": self.vocabulary}

    def _arrays(self) -> dict:
        return {"idf": self.idf, "coef": self.coef, "intercept": self.intercept,
                "position_coef": self.position_coef, "unknown_position": self.unknown_position}

    def to_disk(self, path, *, exclude=tuple()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "linear_model.json").write_text(json.dumps(self._state(), ensure_ascii=False), encoding="utf-8")
        np.savez_compressed(path / "linear_model.npz", **self._arrays())

    def from_disk(self, path, *, exclude=tuple()):
        path = Path(path)
        state = json.loads((path / "linear_model.json").read_text(encoding="utf-8"))
        with np.load(path / "linear_model.npz") as arrays:
            # Pipelines saved before the position feature have no position arrays.
            optional = {key: arrays[key] for key in ("position_coef", "unknown_position") if key in arrays}
            self.set_linear_model(state["labels"], state["vocabulary"], arrays["idf"], arrays["coef"],
                                  arrays["intercept"], **optional)
        return self

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        return srsly.msgpack_dumps({**self._state(), "idf": self.idf.tolist(), "intercept": self.intercept.tolist(),
                                    "coef": self.coef.tobytes(), "shape": list(self.coef.shape),
                                    "position_coef": self.position_coef.tolist(),
                                    "unknown_position": self.unknown_position.tolist()})

    def from_bytes(self, data: bytes, *, exclude=tuple()):
        state = srsly.msgpack_loads(data)
        coef = np.frombuffer(state["coef"], dtype=np.float32).reshape(state["shape"])
        self.set_linear_model(state["labels"], state["vocabulary"], state["idf"], coef, state["intercept"],
                              state.get("position_coef"), state.get("unknown_position"))
        return self


def make_instrument_blend(nlp: Language, name: str, model_weight: float) -> InstrumentBlend:
    return InstrumentBlend(model_weight)


# Registered once: a process that loads the packaged pipeline imports the wheel's own copy of
# this file as well, and spaCy refuses a second factory under the same name. Defined after
# PlaceRules, and no `from __future__ import annotations` in this file: spaCy checks a
# factory's signature at run time, and under pydantic 1 string annotations fail.
if POLICY_TOKENIZER not in registry.tokenizers:
    registry.tokenizers.register(POLICY_TOKENIZER, func=create_policy_tokenizer)
if not Language.has_factory(PLACE_RULES):
    Language.factory(PLACE_RULES, func=make_place_rules)
if not Language.has_factory(INSTRUMENT_BLEND):
    Language.factory(INSTRUMENT_BLEND, func=make_instrument_blend, default_config={"model_weight": 0.5})
