"""Registered pipeline components that the trained pipelines use.

Like architectures.py this file imports nothing from zhpolicy: `zhpolicy
package` ships it inside the wheel, so the packaged pipeline loads with spaCy
alone.
"""

import re
from typing import List, Set, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

PLACE_RULES = "place_rules"

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


def make_place_rules(nlp: Language, name: str) -> PlaceRules:
    return PlaceRules()


# Registered once: a process that loads the packaged pipeline imports the wheel's own copy of
# this file as well, and spaCy refuses a second factory under the same name. Defined after
# PlaceRules, and no `from __future__ import annotations` in this file: spaCy checks a
# factory's signature at run time, and under pydantic 1 string annotations fail.
if not Language.has_factory(PLACE_RULES):
    Language.factory(PLACE_RULES, func=make_place_rules)
