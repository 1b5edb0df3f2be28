"""A place-name gazetteer for GPE, as a spaCy entity_ruler after the NER.

Each province brings its own cities and counties: a model trained on the gold
sentences cannot know a place it never saw (on the first dev split, GPE recall
was 0.25 without this). The GB/T 2260 administrative divisions
(the gb2260 package, BSD) list every province, prefecture and county. The
ruler only adds a place where the NER found nothing overlapping, so the
model's ORG spans (which may start with a place) win.
"""

from __future__ import annotations

import re
from collections import Counter

RULER_NAME = "gazetteer"

_PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")
_CITY_SUFFIX = re.compile(r"(市|地区|盟)$")
# Short forms that are ordinary words far more often than places in these
# reports (长治久安, 世界大同, 东方, 来宾) or mostly name an ORG (中山医院, 中山大学).
AMBIGUOUS = {"长治", "大同", "安康", "来宾", "东方", "中山", "通化", "白山", "吉安", "永安", "长安", "和平", "新华",
             "城区", "郊区", "矿区", "市辖区", "省直辖县级行政区划", "自治区直辖县级行政区划", "县"}


def place_names() -> list[str]:
    """Full names of all divisions, plus short forms of provinces and prefecture-level cities."""
    from gb2260.data import data

    names: set[str] = set()
    for revision in data.values():
        for code, name in revision.items():
            if name in AMBIGUOUS or "直辖" in name or "辖区" in name:
                continue
            names.add(name)
            if code % 10000 == 0:
                short = _PROVINCE_SUFFIX.sub("", name)
            elif code % 100 == 0:
                short = _CITY_SUFFIX.sub("", name)
            else:
                continue
            if len(short) >= 2 and short not in AMBIGUOUS:
                names.add(short)
    return sorted(names)


# One-character province names (京 津 沪 渝 冀 …, with the older 陇 黔 滇 蜀 秦) and the
# directions that make sub-provincial regions of them: 皖北, 渝东南, 粤西, 滇中.
PROVINCE_ABBREVIATIONS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼陇黔滇蜀秦"
DIRECTIONS = ("东北", "东南", "西北", "西南", "东", "西", "南", "北", "中")
# Combinations that are a company, an ordinary word or an ambiguous shorthand instead.
NOT_REGIONS = {"京东", "新中", "新东", "新西", "新南", "新北", "云中", "黑中", "吉中", "宁中", "青中", "秦中",
               "川中", "青东", "青西", "云东", "甘中"}
NAMED_REGIONS = ("关中", "陕北", "陕南", "江南", "江北", "苏北", "苏中", "苏南", "浙中", "浙西南")


def region_names() -> list[str]:
    """Sub-provincial regions, which the guideline marks as GPE (皖北, 关中, 渝东北)."""
    names = {f"{abbreviation}{direction}" for abbreviation in PROVINCE_ABBREVIATIONS for direction in DIRECTIONS}
    return sorted((names - NOT_REGIONS) | set(NAMED_REGIONS))


_COUNTY_SUFFIX = re.compile(r"(自治县|自治旗|县|区|市|旗|特区|林区)$")


def county_short_names() -> set[str]:
    """Short forms of county-level divisions (奉节县 -> 奉节, 涪陵区 -> 涪陵, 凯里市 -> 凯里).

    Reports name their counties without the suffix; without these the NER missed
    most small places it never saw in training. Many short forms are ordinary
    words too (资源, 合作, 平安, 振兴): `words_not_places` drops those.
    """
    from gb2260.data import data

    names = set()
    for revision in data.values():
        for code, name in revision.items():
            short = _COUNTY_SUFFIX.sub("", name)
            if code % 100 and len(short) >= 2 and short not in AMBIGUOUS:
                names.add(short)
    return names


def words_not_places(candidates: set[str], examples: list[tuple[str, list[tuple[int, int, str]]]]) -> set[str]:
    """The candidates that the training gold shows to be ordinary words: they occur in its
    sentences but fewer than half of those occurrences are marked GPE."""
    seen, marked = Counter(), Counter()
    for text, entities in examples:
        for name in candidates:
            if name in text:
                seen[name] += text.count(name)
        for start, end, label in entities:
            if label == "GPE" and text[start:end] in candidates:
                marked[text[start:end]] += 1
    return {name for name in seen if marked[name] < seen[name] / 2}


def add_gazetteer(nlp, train_examples: list[tuple[str, list[tuple[int, int, str]]]] = ()) -> None:
    """Add (or refresh) the gazetteer ruler after the NER.

    `train_examples` (text, gold entities) of the train split decide which county
    short forms are ordinary words; with none, county short forms are left out.
    """
    if RULER_NAME in nlp.pipe_names:
        nlp.remove_pipe(RULER_NAME)
    ruler = nlp.add_pipe("entity_ruler", name=RULER_NAME, after="ner" if "ner" in nlp.pipe_names else None,
                         config={"overwrite_ents": False, "validate": True})
    counties = county_short_names() if train_examples else set()
    counties -= words_not_places(counties, list(train_examples))
    names = sorted(set(place_names()) | set(region_names()) | counties)
    ruler.add_patterns([{"label": "GPE", "pattern": name} for name in names])
