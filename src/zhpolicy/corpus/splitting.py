"""Split cleaned text into sentences with offsets.

Boundaries: 。！？； (and their ASCII forms ! ? ;) and line breaks. Closing
quotes and brackets that follow a boundary mark stay with their sentence; a
mark inside 《》 never ends a sentence. Full stops inside numbers (5.2万) and
dashes in ranges (1—10月) are not boundary marks, so they never split.
"""

from __future__ import annotations

from dataclasses import dataclass

FINAL_MARKS = frozenset("。！？；!?;")
TRAILING = frozenset("。！？；!?;”’」』）)】》〕]…")
_STRIP = " \t\u3000"
_PUNCT_ONLY = frozenset("。！？；!?;，、：:,.”“‘’「」『』（）()【】《》〔〕[]…—-·* \t\u3000")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def split_sentences(text: str) -> list[Span]:
    """Return the sentence spans of `text`, in order, trimmed of spaces."""
    spans: list[Span] = []
    start = 0
    depth = 0  # inside 《》: a title may contain any mark
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "《":
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
        if ch == "\n":
            _add(spans, text, start, i)
            start = i + 1
            depth = 0
        elif ch in FINAL_MARKS and not depth:
            end = i + 1
            while end < n and text[end] in TRAILING:
                end += 1
            _add(spans, text, start, end)
            start = i = end
            continue
        i += 1
    _add(spans, text, start, n)
    return spans


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start] in _STRIP:
        start += 1
    while end > start and text[end - 1] in _STRIP:
        end -= 1
    if start < end and not all(ch in _PUNCT_ONLY for ch in text[start:end]):
        spans.append(Span(start, end))
