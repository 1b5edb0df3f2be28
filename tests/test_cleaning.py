from zhpolicy.corpus.cleaning import (
    clean_document,
    drop_furniture,
    furniture_rule,
    html_to_text,
    normalise_width,
    repair_broken_lines,
    strip_markdown,
    strip_stray_markup,
    to_simplified,
)


def test_page_controls_and_source_lines_are_furniture():
    for line in ["下载", "打印", "【字号：", "加大", "】", "分享：", "【字体：", "×"]:
        assert furniture_rule(line) == "page_controls", line
    for line in ["来源：示例日报", "时间：2026-02-02", "责任编辑：王五", "（来源：某某日报）", "2026-02-02 09:20"]:
        assert furniture_rule(line) == "source_time_lines", line


def test_captions_bylines_headers_and_urls_are_furniture():
    assert furniture_rule("市长某某作政府工作报告。本报记者 张三摄") == "photo_captions"
    assert furniture_rule("省长张三作政府工作报告") == "photo_captions"
    assert furniture_rule("示例省人民政府省长 李四") == "bylines"
    assert furniture_rule("本报记者 王五") == "bylines"
    assert furniture_rule("版权所有：示例省人民政府办公厅") == "site_header_footer"
    assert furniture_rule("相关报道：") == "site_header_footer"
    assert furniture_rule("原文链接：http://example.org/a.html") == "url_lines"
    assert furniture_rule("https://example.org/report/1.html") == "url_lines"


def test_report_sentences_are_not_furniture():
    for line in ["各位代表：", "一、2025年工作回顾", "全省生产总值增长5.1%。",
                 "我们新建5G基站2万个，时间紧、任务重。", "加快建设现代化产业体系",
                 "来年工作的重点是扩大内需。"]:
        assert furniture_rule(line) is None, line


def test_source_value_on_its_own_line_goes_with_the_label():
    kept, removed = drop_furniture(["来源：", "省政府办公厅", "各位代表：", "现在我作报告。"])
    assert kept == ["各位代表：", "现在我作报告。"]
    assert removed["source_time_lines"] == 2


def test_html_tags_entities_and_scripts_are_removed():
    title, text = html_to_text("<html><head><title>示例报告</title><script>var a=1;</script></head>"
                               "<body><p>第一段&nbsp;内容&lt;一&gt;。</p><div>第二段</div></body></html>")
    assert title == "示例报告"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines == ["第一段\xa0内容<一>。", "第二段"]
    assert strip_stray_markup("甲<br/>乙&amp;丙") == "甲\n乙&丙"


def test_markdown_front_matter_and_links():
    meta, text = strip_markdown("---\ntitle: 示例报告\nyear: 2024\n---\n# 标题\n见[这里](http://x.org)和**重点**。\n")
    assert meta == {"title": "示例报告", "year": "2024"}
    assert text.split("\n")[:2] == ["标题", "见这里和重点。"]


def test_broken_lines_are_joined_but_headings_stay():
    lines = ["会议听取了总理所作的", "政府工作报告", "。会议认为", "", "一、过去一年的工作", "我们做了三件事。"]
    assert repair_broken_lines(lines, paragraphs_by_blank_lines=True) == [
        "会议听取了总理所作的政府工作报告。会议认为", "", "一、过去一年的工作", "我们做了三件事。"]


def test_link_break_inside_title_marks_is_joined():
    assert repair_broken_lines(["三、关于《", "示例规划纲要", "》的说明"]) == ["三、关于《示例规划纲要》的说明"]


def test_subscript_break_is_joined():
    assert repair_broken_lines(["持续改善空气质量，以PM", "2.5", "浓度下降为主线。"]) == [
        "持续改善空气质量，以PM2.5浓度下降为主线。"]


def test_lines_are_kept_apart_without_evidence_of_a_break():
    assert repair_broken_lines(["各位代表：", "现在我作报告。", "一是加强规划", "二是抓好落实"]) == [
        "各位代表：", "现在我作报告。", "一是加强规划", "二是抓好落实"]


def test_traditional_lines_become_simplified_but_simplified_stays():
    assert to_simplified("我們第一屆全國人民代表大會") == "我们第一届全国人民代表大会"
    assert to_simplified("加强知识产权保护，乾隆年间") == "加强知识产权保护，乾隆年间"


def test_full_width_digits_and_letters_but_not_chinese_punctuation():
    assert normalise_width("１９５５年增长３．６８％，ＧＤＰ：（一）") == "1955年增长3.68%，GDP：（一）"


def test_clean_document_counts_removed_lines():
    raw = "下载\n打印\n来源：示例日报\n示例报告\n各位代表：\n现在，我代表省政府报告工作。\n相关报道："
    cleaned = clean_document(raw)
    assert cleaned.text == "示例报告\n各位代表：\n现在，我代表省政府报告工作。"
    assert cleaned.removed == {"page_controls": 2, "source_time_lines": 1, "site_header_footer": 1}


def test_a_trailing_public_domain_notice_is_cut_but_the_words_elsewhere_are_kept():
    notice = ("本作品是中华人民共和国的\n法律\n、\n法规\n，国家机关的决议。根据《\n中华人民共和国著作权法\n》第五条第一项，"
              "本作品不适用于该法，属于\n公有领域\n。\n\n注：中文维基文库社群认为，中华人民共和国公务演讲，\n不总是\n具有立法性质。"
              "\n\nPublic domain\nfalse")
    cleaned = clean_document("各位代表：\n\n为实现目标而奋斗！\n\n\n" + notice)
    assert cleaned.text == "各位代表：\n为实现目标而奋斗！"
    assert cleaned.removed["licence_notice"] == 14
    # Without the public-domain wording nearby, a line that starts the same way stays.
    assert "本作品来自基层调研。" in clean_document("本作品来自基层调研。\n全年增长5%。").text


def test_invisible_characters_do_not_break_paragraphs():
    raw = "甲乙丙丁戊己庚辛壬癸，放宽行业和\n\u200b\n领域准入。\n\n下一段。"
    assert clean_document(raw).text == "甲乙丙丁戊己庚辛壬癸，放宽行业和领域准入。\n下一段。"
