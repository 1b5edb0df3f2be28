from zhpolicy.corpus.splitting import split_sentences


def sentences(text):
    return [text[s.start:s.end] for s in split_sentences(text)]


def test_splits_at_final_marks_and_line_breaks():
    assert sentences("甲。乙！丙？丁；戊\n己") == ["甲。", "乙！", "丙？", "丁；", "戊", "己"]


def test_closing_quotes_and_brackets_stay_with_their_sentence():
    assert sentences("他说：“要干。”下一句。（见附件。）再一句") == ["他说：“要干。”", "下一句。", "（见附件。）", "再一句"]


def test_never_splits_inside_title_marks():
    assert sentences("印发《关于加快发展的意见。试行》，推动落实。") == ["印发《关于加快发展的意见。试行》，推动落实。"]


def test_numbers_and_ranges_do_not_split():
    assert sentences("建成基站5.2万座，1—10月增长3.5%。") == ["建成基站5.2万座，1—10月增长3.5%。"]


def test_offsets_point_into_the_text_and_skip_blank_or_punctuation_only_pieces():
    text = "  第一句。 \n\n。\n第二句"
    spans = split_sentences(text)
    assert [(s.start, s.end) for s in spans] == [(2, 6), (11, 14)]
