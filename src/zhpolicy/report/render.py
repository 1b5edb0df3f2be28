"""One self-contained HTML report from tagged output: no external resources, opens offline."""

from __future__ import annotations

import colorsys
import json
import re
from html import escape
from pathlib import Path

import zhpolicy
from zhpolicy.files import atomic_write
from zhpolicy.labels import ENTITIES, ENTITY_LABELS, INSTRUMENT_LABELS, INSTRUMENTS
from zhpolicy.report.assets import CSS, JS
from zhpolicy.report.loading import (DocumentRecord, ModelInfo, ProvinceShare, SentenceRecord, TaggedCollection,
                                     UNKNOWN_PROVINCE, province_shares)

# Light backgrounds, one per entity type, so the dark text stays readable inside displaCy's marks.
ENTITY_COLORS: dict[str, str] = {
    "ORG": "#9fd3f2",
    "GPE": "#f6c08f",
    "PERSON": "#cdb8f6",
    "POLICY": "#f4a6b8",
    "MONEY": "#b5e3a0",
    "PERCENT": "#f1df7e",
    "QUANTITY": "#94dccb",
    "DATE": "#d8d0c2",
}
OTHER_ENTITY_COLOR = "#e2e2e2"

EVALUATION_NAMES = {"instruments_macro_f": "instruments macro F", "instruments_micro_f": "instruments micro F",
                    "entities_micro_f": "entities micro F"}
DISPLACY_CHUNK = 1000
# Strict policy: inline style and script only, so even a stray URL could not be fetched.
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def instrument_colors() -> dict[str, str]:
    """Fourteen hues round the colour wheel; alternate lightness keeps neighbours apart."""
    colors = {}
    count = len(INSTRUMENT_LABELS)
    for i, label in enumerate(INSTRUMENT_LABELS):
        r, g, b = colorsys.hls_to_rgb(i / count, 0.46 if i % 2 == 0 else 0.64, 0.58)
        colors[label] = f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
    return colors


def render_report(collection: TaggedCollection, title: str = "Policy instruments report") -> str:
    """The whole report as one HTML string."""
    colors = instrument_colors()
    documents = _sorted_documents(collection.documents)
    shares = province_shares(collection)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        _header(collection, title, shares),
        '<section id="provinces"><h2>Instruments by province</h2>',
        '<p class="muted">Share of each province\'s sentences that carry the label, in percent '
        "(a sentence can carry several labels). Documents without a province are pooled as "
        f"{escape(UNKNOWN_PROVINCE)}. Hover a cell for the counts.</p>",
        f'<div class="chart">{heatmap_svg(shares)}</div></section>',
        '<section id="documents"><h2>Instrument profile of each document</h2>',
        '<p class="muted">Each bar splits a document\'s label assignments by instrument; the figure '
        "on the right is its number of sentences. Hover a segment for the counts.</p>",
        _instrument_legend(colors),
        f'<div class="chart">{profile_bars_svg(documents, colors)}</div></section>',
        _browser(collection, documents, colors),
        _footer(collection),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def write_report(collection: TaggedCollection, out_path: str | Path,
                 title: str = "Policy instruments report") -> Path:
    """Render and write the report atomically: an interrupted run leaves any previous file intact."""
    out = Path(out_path)
    html = render_report(collection, title)
    with atomic_write(out) as handle:
        handle.write(html)
    return out


# --- header and footer -------------------------------------------------------------------------

def _model_line(model: ModelInfo) -> str:
    name = f"<b>{escape(model.name or 'unnamed model')}</b> {escape(model.version)}"
    if model.source:
        name += f' <span class="muted">({escape(model.source)})</span>'
    return f"Model {name} · {_evaluation_text(model.evaluation)}"


def _evaluation_text(evaluation: dict | None) -> str:
    if not evaluation:
        return "not evaluated"
    figures = []
    for key, value in evaluation.items():
        if key in ("split", "sentences"):
            continue
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        figures.append(f"{escape(EVALUATION_NAMES.get(key, key))} <b>{escape(shown)}</b>")
    split = evaluation.get("split")
    where = f"evaluated on the {escape(str(split))} split" if split else "evaluated"
    if evaluation.get("sentences"):
        where += f" ({escape(str(evaluation['sentences']))} sentences)"
    return where + (": " + ", ".join(figures) if figures else "")


def _header(collection: TaggedCollection, title: str, shares: list[ProvinceShare]) -> str:
    lines = ["<header>", f"<h1>{escape(title)}</h1>"]
    if collection.model is None:
        lines.append('<p class="warn">No model record in the input: the model is unknown.</p>')
    else:
        lines.append(f"<p>{_model_line(collection.model)}</p>")
        for other in collection.other_models:
            lines.append(f'<p class="warn">Some input files name a different model: {_model_line(other)}</p>')
    provinces = sum(1 for row in shares if row.province != UNKNOWN_PROVINCE)
    figures = [("documents", len(collection.documents)), ("sentences", collection.sentence_total),
               ("provinces", provinces), ("sentences in the browser", len(collection.sentences))]
    lines.append('<div class="figures">' + "".join(f"<span><b>{n:,}</b> {escape(what)}</span>"
                                                   for what, n in figures) + "</div>")
    lines.extend(f'<p class="warn">{escape(note)}</p>' for note in collection.notes)
    lines.append("</header>")
    return "\n".join(lines)


def _footer(collection: TaggedCollection) -> str:
    names = [path.name for path in collection.files]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return (f"<footer>Made by zhpolicy {escape(zhpolicy.__version__)} (<code>zhpolicy report</code>) from "
            f"{len(names)} tagged file(s): {escape(shown)}. A single offline file: no external resources.</footer>")


# --- charts ------------------------------------------------------------------------------------

def _sorted_documents(documents: list[DocumentRecord]) -> list[DocumentRecord]:
    return sorted(documents, key=lambda d: (not d.province, d.province, d.year, d.title or d.doc_id))


def _document_name(doc: DocumentRecord) -> str:
    name = doc.title or doc.doc_id
    extra = [part for part in (doc.province, doc.year) if part and part not in name]
    return f"{name} ({' '.join(extra)})" if extra else name


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mix(share: float, top: float) -> tuple[str, str]:
    """Cell fill from near-white to deep blue (linear in share), and a text colour that stays readable."""
    t = share / top if top > 0 else 0.0
    low, high = (248, 249, 246), (24, 72, 125)
    rgb = tuple(round(a + (b - a) * t) for a, b in zip(low, high))
    return "#%02x%02x%02x" % rgb, ("#ffffff" if t > 0.55 else "#1d232b")


def heatmap_svg(rows: list[ProvinceShare]) -> str:
    """Provinces (rows) by instruments (columns), cells coloured by share of sentences."""
    cell_w, cell_h, left, top, right = 48, 26, 150, 118, 150
    width = left + cell_w * len(INSTRUMENT_LABELS) + right
    height = top + cell_h * max(len(rows), 1) + 8
    peak = max((row.shares[label] for row in rows for label in INSTRUMENT_LABELS), default=0.0)
    out = [f'<svg id="heatmap" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="Instrument shares by province">']
    for j, label in enumerate(INSTRUMENT_LABELS):
        x, y = left + j * cell_w + cell_w / 2, top - 8
        out.append(f'<text x="{x:.1f}" y="{y}" font-size="13" transform="rotate(-50 {x:.1f} {y})">'
                   f"<title>{escape(label)}</title>{escape(INSTRUMENTS[label])}</text>")
    out.append(f'<text x="{left + cell_w * len(INSTRUMENT_LABELS) + 10}" y="{top - 8}" font-size="12" '
               'fill="#5f6b78">docs · sentences</text>')
    for i, row in enumerate(rows):
        y = top + i * cell_h
        out.append(f'<text x="{left - 8}" y="{y + cell_h / 2 + 5}" font-size="13" text-anchor="end">'
                   f"{escape(_shorten(row.province, 11))}<title>{escape(row.province)}</title></text>")
        for j, label in enumerate(INSTRUMENT_LABELS):
            share = row.shares[label]
            fill, ink = _mix(share, peak)
            x = left + j * cell_w
            tip = (f"{row.province} · {INSTRUMENTS[label]} ({label}): {row.counts[label]:,} of "
                   f"{row.sentences:,} sentences ({share:.1%})")
            out.append(f'<g><title>{escape(tip)}</title><rect x="{x}" y="{y}" width="{cell_w - 2}" '
                       f'height="{cell_h - 2}" rx="2" fill="{fill}"/><text x="{x + (cell_w - 2) / 2}" '
                       f'y="{y + cell_h / 2 + 4}" font-size="12" text-anchor="middle" fill="{ink}">'
                       f"{share * 100:.0f}</text></g>")
        out.append(f'<text x="{left + cell_w * len(INSTRUMENT_LABELS) + 10}" y="{y + cell_h / 2 + 5}" '
                   f'font-size="12" fill="#5f6b78">{row.documents:,} · {row.sentences:,}</text>')
    out.append("</svg>")
    return "".join(out)


def profile_bars_svg(documents: list[DocumentRecord], colors: dict[str, str]) -> str:
    """One stacked horizontal bar per document: its label assignments split by instrument."""
    bar_h, gap, left, bar_w, right = 18, 6, 270, 640, 80
    width = left + bar_w + right
    height = (bar_h + gap) * max(len(documents), 1) + gap
    out = [f'<svg id="profiles" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="Instrument profile of each document">']
    for i, doc in enumerate(documents):
        y = gap + i * (bar_h + gap)
        name = _document_name(doc)
        out.append(f'<text x="{left - 8}" y="{y + bar_h - 4}" font-size="13" text-anchor="end">'
                   f"{escape(_shorten(name, 20))}<title>{escape(name)}</title></text>")
        total = sum(doc.profile.get(label, 0) for label in INSTRUMENT_LABELS)
        if not total:
            out.append(f'<rect x="{left}" y="{y}" width="{bar_w}" height="{bar_h}" fill="#eef0f2">'
                       "<title>no instrument labels</title></rect>")
        x = float(left)
        for label in INSTRUMENT_LABELS:
            count = doc.profile.get(label, 0)
            if not count:
                continue
            w = bar_w * count / total
            share = count / doc.sentences if doc.sentences else 0.0
            tip = f"{name} · {INSTRUMENTS[label]} ({label}): {count:,} sentences ({share:.1%} of the document)"
            out.append(f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{bar_h}" fill="{colors[label]}">'
                       f"<title>{escape(tip)}</title></rect>")
            x += w
        out.append(f'<text x="{left + bar_w + 8}" y="{y + bar_h - 4}" font-size="12" fill="#5f6b78">'
                   f"{doc.sentences:,} 句</text>")
    out.append("</svg>")
    return "".join(out)


def _instrument_legend(colors: dict[str, str]) -> str:
    items = "".join(f'<span title="{escape(label)}"><span class="swatch" style="background:{colors[label]}">'
                    f"</span>{escape(INSTRUMENTS[label])}</span>" for label in INSTRUMENT_LABELS)
    return f'<div class="legend">{items}</div>'


# --- sentence browser --------------------------------------------------------------------------

def _entity_legend() -> str:
    items = "".join(f'<span><span class="swatch" style="background:{ENTITY_COLORS[label]}"></span>'
                    f"<b>{escape(label)}</b> {escape(ENTITIES[label])}</span>" for label in ENTITY_LABELS)
    return f'<div class="legend">{items}</div>'


def displacy_markup(sentences: list[SentenceRecord]) -> list[str]:
    """displaCy's entity markup for each sentence (it HTML-escapes the text itself)."""
    from spacy import displacy

    def manual(sentence: SentenceRecord) -> dict:
        # displaCy puts labels into the markup unescaped, and labels come from the input file.
        return {"text": sentence.text, "title": None,
                "ents": [{"start": e.start, "end": e.end, "label": escape(e.label)} for e in sentence.entities]}

    colors = {label: ENTITY_COLORS.get(label, OTHER_ENTITY_COLOR)
              for label in {escape(e.label) for s in sentences for e in s.entities}}
    options = {"colors": colors}
    out: list[str] = []
    for begin in range(0, len(sentences), DISPLACY_CHUNK):
        chunk = sentences[begin:begin + DISPLACY_CHUNK]
        # One call per chunk is ~50x faster than one per sentence; it concatenates the
        # per-sentence wrappers, which we split again (escaped text cannot contain "<div").
        joined = displacy.render([manual(s) for s in chunk], style="ent", manual=True, page=False, options=options)
        pieces = re.split(r'(?=<div class="entities")', joined)
        # The joined output keeps blank lines between sentences; a single render strips them.
        pieces = [piece.strip() for piece in pieces if piece.strip()]
        if len(pieces) != len(chunk):
            pieces = [displacy.render(manual(s), style="ent", manual=True, page=False, options=options)
                      for s in chunk]
        out.extend(pieces)
    return out


def compact_markup(markups: list[str]) -> tuple[list[str], list[str]]:
    """Store each distinct tag once: displaCy repeats long inline styles on every mark.
    Returns (tags, markups with each tag replaced by <index>); the browser puts them back."""
    index: dict[str, int] = {}

    def ref(match: re.Match) -> str:
        tag = match.group(0)
        if tag not in index:
            index[tag] = len(index)
        return f"<{index[tag]}>"

    compacted = [re.sub(r"<[^<>]*>", ref, markup) for markup in markups]
    return list(index), compacted


def script_json(data: object) -> str:
    """JSON safe inside <script>: no "<", ">" or "&" left to close the tag or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, code in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def browser_data(collection: TaggedCollection, documents: list[DocumentRecord],
                 colors: dict[str, str]) -> dict:
    doc_index = {doc.doc_id: i for i, doc in enumerate(documents)}
    label_index = {label: i for i, label in enumerate(INSTRUMENT_LABELS)}
    tags, markups = compact_markup(displacy_markup(collection.sentences))
    rows = [[doc_index[s.doc_id], s.index, s.text, markup, [label_index[label] for label in s.labels],
             [round(s.scores[label] * 1000) for label in INSTRUMENT_LABELS]]
            for s, markup in zip(collection.sentences, markups)]
    return {"labels": [[label, INSTRUMENTS[label], colors[label]] for label in INSTRUMENT_LABELS],
            "docs": [[doc.doc_id, _document_name(doc)] for doc in documents],
            "tags": tags, "sentences": rows}


def _browser(collection: TaggedCollection, documents: list[DocumentRecord], colors: dict[str, str]) -> str:
    data = script_json(browser_data(collection, documents, colors))
    return "\n".join([
        '<section id="browser"><h2>Sentences</h2>',
        '<p class="muted">Entities as displaCy marks them; chips give the instrument labels with the '
        "model's scores. Filter by label or document, or search the text (all words must occur).</p>",
        _entity_legend(),
        '<div class="controls">',
        '<select id="f-label" aria-label="Filter by instrument label"></select>',
        '<select id="f-doc" aria-label="Filter by document"></select>',
        '<input id="f-search" type="search" placeholder="Search sentences…" aria-label="Search sentences">',
        "</div>",
        '<div id="count"></div>',
        '<div id="sentences"></div>',
        '<button id="more" type="button" hidden>Show more</button>',
        "</section>",
        f'<script type="application/json" id="zp-data">{data}</script>',
        f"<script>{JS}</script>",
    ])
