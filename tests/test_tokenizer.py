"""The word splits on top of pkuseg: entity edges the segmenter hides inside a word."""

import spacy

from zhpolicy.components import POLICY_TOKENIZER, split_words


def test_doctrines_and_verb_place_words_split_and_keep_their_spacing():
    words, spaces = split_words(["坚持", "马克思列宁主义", "、", "邓小平理论", " ", "代表省", "政府"],
                                [False, False, False, True, False, False, False])
    assert words == ["坚持", "马克思", "列宁", "主义", "、", "邓小平", "理论", " ", "代表", "省", "政府"]
    # A split word's last piece keeps the word's trailing space; the others have none.
    assert spaces == [False, False, False, False, False, False, True, False, False, False, False]


def test_year_words_split_only_after_a_numeral():
    assert split_words(["五", "年内", "完成"], [False] * 3)[0] == ["五", "年", "内", "完成"]
    assert split_words(["3", "年间"], [False] * 2)[0] == ["3", "年", "间"]
    assert split_words(["今", "年内"], [False] * 2)[0] == ["今", "年内"]  # 今年 is not a numeral's year
    assert split_words(["年中", "以前"], [False] * 2)[0] == ["年中", "以前"]


def test_the_char_segmenter_is_unchanged():
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": POLICY_TOKENIZER, "segmenter": "char"}}})
    assert [t.text for t in nlp.make_doc("五年内")] == ["五", "年", "内"]
