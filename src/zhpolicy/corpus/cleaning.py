"""Cleaning steps, each a small function: markup, page furniture, page
numbers and printed line breaks of PDF/DOCX text, broken lines, traditional
characters and full-width forms.

`clean_document` chains them and counts how many lines each furniture rule
removed, so a build can report what the cleaner did.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser

# ---------------------------------------------------------------- markup

_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
               "article", "table", "ul", "ol", "dd", "dt", "blockquote", "pre", "hr", "td", "th"}
_SKIPPED_TAGS = {"script", "style", "noscript", "template", "head", "nav", "footer", "iframe", "svg"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self._skip_depth = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED_TAGS:
            self._skip_depth += 1
        if tag == "title":
            self._in_title = True
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIPPED_TAGS and self._skip_depth:
            self._skip_depth -= 1
        if tag == "title":
            self._in_title = False
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self.title_parts.append(data)
        elif not self._skip_depth:
            self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, str]:
    """Return (title, text) of an HTML page: tags gone, entities decoded, blocks on their own lines."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return "".join(parser.title_parts).strip(), "".join(parser.parts)


_STRAY_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")


def strip_stray_markup(text: str) -> str:
    """Tags and entities left inside text fields of CSV/JSONL/plain text."""
    if "<" in text:
        text = _STRAY_TAG.sub("\n", text)
    if "&" in text:
        text = html.unescape(text)
    return text


_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_MD_LIST = re.compile(r"^\s{0,3}[-*+]\s+", re.M)
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?", re.M)


def strip_markdown(text: str) -> tuple[dict[str, str], str]:
    """Return (front matter as a flat dict, text without Markdown syntax)."""
    meta: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip():
                meta[key.strip().lower()] = value.strip().strip("'\"")
        text = text[match.end():]
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    text = _MD_LIST.sub("", text)
    text = _MD_QUOTE.sub("", text)
    text = _MD_EMPHASIS.sub("", text)
    return meta, text


# ---------------------------------------------------------------- characters

_FULLWIDTH_ALNUM = {code: code - 0xFEE0 for code in
                    [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_FULLWIDTH_NUMBER_MARKS = re.compile(r"(?<=[0-9])[．](?=[0-9])|(?<=[0-9])％")


def normalise_width(text: str) -> str:
    """Full-width digits and Latin letters to ASCII; the decimal point and % inside
    numbers too. Chinese punctuation (，。：；（）etc.) is left alone."""
    text = text.translate(_FULLWIDTH_ALNUM)
    return _FULLWIDTH_NUMBER_MARKS.sub(lambda m: "." if m.group() == "．" else "%", text)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(line: str) -> str:
    """Convert a line written in traditional characters to simplified ones.

    Only lines where conversion changes several characters are converted: the
    converter also rewrites a few characters that are valid in simplified text
    (乾 -> 干 in names, for example), and a simplified line should stay as written.
    """
    if line.isascii():
        return line
    converted = _t2s().convert(line)
    if converted == line:
        return line
    changed = sum(1 for a, b in zip(line, converted) if a != b)
    return converted if changed >= 2 or changed == len(line) else line


# ---------------------------------------------------------------- page furniture

# One rule per kind of furniture, so the build can count what each removed.
FURNITURE_RULES: dict[str, re.Pattern[str]] = {
    "page_controls": re.compile(
        r"^(?:[【\[]?\s*(?:下载|打印(?:本页|此页)?|全屏|收藏|关闭(?:窗口|本页)?|分享(?:到)?[:：]?|返回顶部|"
        r"字号[:：]?|加大|还原|减小|大|中|小|默认|放大|缩小|纠错|扫一扫|我要打印|"
        r"【?字体[:：]?.*|【?字号[:：].*)\s*[】\]]?\s*)+$"
        r"|^[【\[]\s*[】\]]$|^[】\]×✕]$"),
    "source_time_lines": re.compile(
        r"^[【\[（(]?\s*(?:来源|来源于|稿源|信息来源|文章来源|时间|发布时间|发表时间|发布日期|日期|更新时间|阅读量|"
        r"编辑|责任编辑|责编|审核|校对|作者|点击数|浏览次数|阅读数)\s*[:：】\]].{0,60}$"
        r"|^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s*\d{1,2}[:时]\d{2}(?:[:分]\d{2}秒?)?分?)?$"),
    "photo_captions": re.compile(
        r"(?:记者|摄影|通讯员|新华社|图/|图：|本报).{0,30}摄[）)]?$|^[（(]?图片?[:：/].{0,40}$"
        r"|^.{0,24}(?:省长|市长|主席|总理)\S{0,6}作政府工作报告。?$|^[\u4e00-\u9fff·]{2,8}作政府工作报告。?$"
        r"|作政府工作报告。.{0,24}记者.{0,8}$"),
    "bylines": re.compile(
        r"^(?:本报记者|记者|通讯员|新华社记者|本报讯|特约记者)[\s\u3000]*\S{1,20}(?:[\s\u3000]+\S{1,4}){0,3}$"
        r"|^[\u4e00-\u9fff]{0,20}(?:省长|市长|主席|总理)[\s\u3000]*[\u4e00-\u9fff][\s\u3000]?[\u4e00-\u9fff·]{1,10}$"
        r"|^[^，。；！？,;!?\s]{0,16}记者[\s\u3000]*[\u4e00-\u9fff]{2,4}$"),
    "site_header_footer": re.compile(
        r"版权所有|[Cc]opyright|©|ICP备|公网安备|网站标识码"
        r"|^(?:免责声明|主办单位|承办单位|网站地图|联系我们|本站声明|上一篇|下一篇|当前位置[:：]|首页\s*[>＞])"
        r"|^(?:相关报道|相关链接|相关新闻|相关阅读|相关文档|附件)[:：]?$"
        r"|^[\u4e00-\u9fff]{2,8}(?:日报|晚报|要闻|新闻网|政府网|发布)$"
        r"|^(?:您的位置|您现在的位置|当前位置)[:：]?|^(?:首页|政务信息|政府信息公开|政务公开|新闻中心|要闻动态)$"
        r"|^[>＞»]"),
    "url_lines": re.compile(r"^(?:原文链接|原文地址|原标题|链接|网址)[:：]|^(?:https?://|www\.)\S+$"),
}


def furniture_rule(line: str) -> str | None:
    """The name of the furniture rule that matches a (stripped) line, or None."""
    for name, pattern in FURNITURE_RULES.items():
        if pattern.search(line):
            return name
    return None


_LABEL_WITHOUT_VALUE = re.compile(r"^[【\[]?\s*\S{1,6}\s*[:：]$")
_SHORT_VALUE = re.compile(r"^[^，。；！？,;!?]{1,16}$")


def drop_furniture(lines: list[str]) -> tuple[list[str], Counter]:
    removed: Counter = Counter()
    kept = []
    previous_rule = None
    previous_line = ""
    for line in lines:
        rule = furniture_rule(line) if line else None
        # "来源：" with its value on the next line: the value goes with it.
        if (not rule and previous_rule == "source_time_lines" and _LABEL_WITHOUT_VALUE.match(previous_line)
                and _SHORT_VALUE.match(line)):
            rule = previous_rule
        if rule:
            removed[rule] += 1
        elif line or not kept or kept[-1]:
            kept.append(line)
        previous_rule, previous_line = rule, line
    return kept, removed


# ---------------------------------------------------------------- paged documents (PDF, DOCX)

_DASHES = "-－—–―─"
_DASHED_NUMBER = re.compile(rf"^[{_DASHES}]{{1,2}} ?\d{{1,4}} ?[{_DASHES}]{{1,2}}$")  # - 3 -, —3—
_PAGE_OF = re.compile(r"^(?:共 ?\d{1,4} ?页 ?[,，/]? ?)?第 ?(\d{1,4}) ?页(?: ?[,，/]? ?共 ?(\d{1,4}) ?页)?$")
_PAGE_SLASH = re.compile(r"^(\d{1,4}) ?/ ?(\d{1,4})$")  # 3/12


def is_page_number(line: str) -> bool:
    """A printed page number on its own line: - 3 -, —3—, 第3页, 第3页 共12页, 3/12."""
    if _DASHED_NUMBER.match(line):
        return True
    match = _PAGE_OF.match(line) or _PAGE_SLASH.match(line)
    if not match:
        return False
    page, total = match.groups()
    # 13/12 is a fraction or a date, not page 13 of 12.
    return total is None or 0 < int(page) <= int(total)


def drop_page_numbers(lines: list[str]) -> tuple[list[str], int]:
    """Remove page-number lines, so the lines around a page break meet and can be joined."""
    kept = [line for line in lines if not is_page_number(line)]
    return kept, len(lines) - len(kept)


def display_width(line: str) -> int:
    """Printed width in half-width cells: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def mark_short_lines(lines: list[str], ratio: float = 0.8) -> list[str]:
    """Put a blank line after each line well short of the full line width.

    A PDF text layer has one line per printed line, so a paragraph arrives cut
    into full-width lines; a short line is where a paragraph, heading, title or
    signature ends. The blank lines let repair_broken_lines join only the
    wrapped lines. The full width is the 95th percentile, so one overlong line
    (a table row) does not make every other line look short.
    """
    widths = sorted(display_width(line) for line in lines if line)
    if not widths:
        return lines
    full = widths[math.ceil(0.95 * len(widths)) - 1]
    out: list[str] = []
    for line in lines:
        out.append(line)
        if line and display_width(line) < ratio * full:
            out.append("")
    return out


# ---------------------------------------------------------------- broken lines

SENTENCE_FINAL = "。！？；!?;"
CLOSERS = "”’」』）)】》〕]"
# A line ending in one of these is complete: sentence marks, a colon before a
# list, or a closing bracket/quote after one of them.
_LINE_COMPLETE = re.compile(r"[。！？；!?;：:…][”’」』）)】》〕\]]*$")
_HEADING_OR_ITEM = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节部分篇条]|[一二三四五六七八九十]+[、．.]|"
    r"[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[、．.](?!\d)|[①-⑳]|[一二三四五六七八九十]是)")
_CONTINUATION_START = re.compile(r"^[，。、；：！？,.;:!?）)」』”’》〕%…—]")
_ASCII_FRAGMENT = re.compile(r"^[A-Za-z0-9.+\-]{1,6}$")
_OPEN_END = re.compile(r"[，、（(“‘「『《〔,]$")


def is_heading_or_item(line: str) -> bool:
    return bool(_HEADING_OR_ITEM.match(line))


def repair_broken_lines(lines: list[str], paragraphs_by_blank_lines: bool = False,
                        printed_lines: bool = False) -> list[str]:
    """Join lines that a page or link break cut out of one sentence.

    `lines` may contain "" for blank lines (paragraph breaks). A line is joined
    to the one before it when there is positive evidence of a break: it starts
    with punctuation that cannot open a sentence, or the line before ends with
    an opening mark or comma, or, in documents whose paragraphs are separated
    by blank lines, the two lines sit in one paragraph. Headings and list items
    always stay on their own line, except with `printed_lines` (a PDF text
    layer, after mark_short_lines), where a long item paragraph wraps onto the
    next printed lines and a short heading already ends with a blank line.
    """
    out: list[str] = []
    last_piece = ""
    for line in lines:
        prev = out[-1] if out else ""
        if line and prev and _should_join(prev, line, paragraphs_by_blank_lines, last_piece, printed_lines):
            out[-1] = prev + line
        else:
            out.append(line)
        last_piece = line
    return out


def _should_join(prev: str, line: str, paragraphs_by_blank_lines: bool, last_piece: str = "",
                 printed_lines: bool = False) -> bool:
    if _LINE_COMPLETE.search(prev):
        return False
    if _CONTINUATION_START.match(line) or _OPEN_END.search(prev):
        return True
    if is_heading_or_item(line) or (is_heading_or_item(prev) and not printed_lines):
        return False
    if (_ASCII_FRAGMENT.match(line) or _ASCII_FRAGMENT.match(last_piece or prev)
            or (prev[-1:].isascii() and line[:1].isdigit())):
        return True  # PM / 2.5 / 浓度: a subscript or link cut the line
    return paragraphs_by_blank_lines


def uses_blank_line_paragraphs(lines: list[str]) -> bool:
    blank = sum(1 for line in lines if not line)
    return blank >= 0.3 * max(1, len(lines) - blank)


# ---------------------------------------------------------------- whole document

_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u2009\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff，。、；：！？“”（）《》]) (?=[\u4e00-\u9fff，。、；：！？“”（）《》])")


def normalise_line(line: str) -> str:
    """Trim a line and fold runs of (ideographic, non-breaking) spaces into one."""
    return _SPACES.sub(" ", _INVISIBLE.sub("", line)).strip()


def close_cjk_gaps(line: str) -> str:
    """Drop single spaces between Chinese characters (spaced-out names of print layouts)."""
    return _CJK_GAP.sub("", line)


@dataclass
class CleanedText:
    text: str
    title: str = ""
    meta: dict = field(default_factory=dict)
    removed: Counter = field(default_factory=Counter)


# Wikisource's public-domain template after the last paragraph of a national report
# (本作品是中华人民共和国的法律、法规…属于公有领域). It is split over many short lines around
# its links, so no line rule catches it whole; everything from its first line on is dropped.
_LICENCE_NOTICE_START = re.compile(r"^本作品(?:是中华人民共和国的|来自)")


def drop_licence_notice(lines: list[str]) -> tuple[list[str], int]:
    """Cut a trailing public-domain notice; returns the kept lines and how many non-blank lines went."""
    for i, line in enumerate(lines):
        if _LICENCE_NOTICE_START.match(line.strip()) and any("公有领域" in rest for rest in lines[i:i + 20]):
            return lines[:i], sum(1 for rest in lines[i:] if rest.strip())
    return lines, 0


def clean_document(raw: str, fmt: str = "txt") -> CleanedText:
    """Run every cleaning step on one document's raw text.

    pdf and docx text also loses its page-number lines. In pdf text every
    printed line is a line, so lines join up to the next short line (see
    mark_short_lines); in docx text every line is a real paragraph, so lines
    join only on evidence of a cut.
    """
    title, meta = "", {}
    if fmt == "html":
        title, raw = html_to_text(raw)
    elif fmt == "md":
        meta, raw = strip_markdown(raw)
        title = meta.get("title", "")
    raw = strip_stray_markup(raw)
    # A line of invisible characters only is no paragraph break: drop it whole.
    lines = [normalise_width(to_simplified(normalise_line(line))) for line in raw.splitlines()
             if not line.strip() or _INVISIBLE.sub("", line).strip()]
    page_numbers = 0
    if fmt in ("pdf", "docx"):
        lines, page_numbers = drop_page_numbers(lines)
    lines, notice_lines = drop_licence_notice(lines)
    kept, removed = drop_furniture(lines)
    if notice_lines:
        removed["licence_notice"] += notice_lines
    if page_numbers:
        removed["page_numbers"] += page_numbers
    kept = [close_cjk_gaps(line) for line in kept]
    if fmt == "pdf":
        kept = mark_short_lines(kept)
    paragraphs_by_blank_lines = fmt == "pdf" or (fmt != "docx" and uses_blank_line_paragraphs(kept))
    joined = repair_broken_lines(kept, paragraphs_by_blank_lines, printed_lines=fmt == "pdf")
    text = "\n".join(line for line in joined if line)
    return CleanedText(text=text, title=title, meta=meta, removed=removed)
