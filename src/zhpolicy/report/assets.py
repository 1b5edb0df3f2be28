"""The report's inline CSS and JavaScript (kept as strings so no package data is needed)."""

from __future__ import annotations

CSS = """
:root { --ink: #1d232b; --muted: #5f6b78; --line: #dfe3e8; --bg: #fbfbf9; --accent: #1f5a8c; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }  /* else "display: block" rules below would show hidden buttons */
html { background: var(--bg); color: var(--ink); }
body {
  margin: 0 auto; max-width: 1180px; padding: 1.5rem 1.25rem 3rem;
  font: 15px/1.65 "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
        "Hiragino Sans GB", "WenQuanYi Micro Hei", sans-serif;
  font-kerning: normal; text-rendering: optimizeLegibility;
}
h1 { font-size: 1.6rem; margin: 0 0 .4rem; letter-spacing: .02em; }
h2 { font-size: 1.2rem; margin: 2.2rem 0 .6rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
p { margin: .3rem 0; }
.muted, footer { color: var(--muted); }
.warn { color: #8a4b00; background: #fff4e0; border-left: 3px solid #e0a040; padding: .3rem .6rem; }
.figures { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; margin: .6rem 0; }
.figures b { font-size: 1.15rem; font-variant-numeric: tabular-nums; }
.chart { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .6rem; }
.chart svg { display: block; }
.legend { display: flex; flex-wrap: wrap; gap: .25rem .9rem; margin: .4rem 0 .6rem; font-size: .9rem; }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .3em;
          vertical-align: -.05em; }
.controls { position: sticky; top: 0; z-index: 2; background: var(--bg); padding: .6rem 0;
            display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; border-bottom: 1px solid var(--line); }
.controls select, .controls input, button { font: inherit; padding: .3rem .5rem; border: 1px solid #c4cad2;
            border-radius: 4px; background: #fff; color: var(--ink); }
.controls select { max-width: 22rem; }
.controls input { flex: 1 1 14rem; }
#count { color: var(--muted); font-size: .9rem; margin: .5rem 0; }
.sent { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; margin: .5rem 0; }
.sent .meta { color: var(--muted); font-size: .82rem; }
.sent .entities { font-size: 1rem; }
.chips { margin-top: .2rem; display: flex; flex-wrap: wrap; gap: .3rem; align-items: center; }
.chip { display: inline-block; font-size: .82rem; border: 1px solid #cfd5dc; border-radius: 999px;
        padding: 0 .55rem; background: #f5f7f9; white-space: nowrap; }
.chip b { font-weight: 600; font-variant-numeric: tabular-nums; margin-left: .25em; }
.chip.none { color: var(--muted); }
.scores-btn { font-size: .78rem; padding: 0 .5rem; color: var(--accent); border-color: transparent; background: none;
              cursor: pointer; }
.allscores { font-size: .8rem; color: var(--muted); margin-top: .2rem; font-variant-numeric: tabular-nums; }
#more { display: block; margin: 1rem auto; padding: .4rem 1.4rem; cursor: pointer; }
footer { margin-top: 3rem; padding-top: .6rem; border-top: 1px solid var(--line); font-size: .85rem; }
"""

# The sentence browser. Everything shown as text goes through textContent; the one
# innerHTML is displaCy's markup, built and escaped in Python, with its repeated tags
# stored once in data.tags and referenced as <N> (real text never holds "<": it is escaped).
JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("zp-data").textContent);
  var labels = data.labels, docs = data.docs, tags = data.tags, rows = data.sentences;
  var PAGE = 200;
  var byId = function (id) { return document.getElementById(id); };
  var labelSel = byId("f-label"), docSel = byId("f-doc"), search = byId("f-search");
  var list = byId("sentences"), more = byId("more"), count = byId("count");
  var lowered = new Array(rows.length);
  var matches = [], shown = 0;

  function option(select, value, text) {
    var o = document.createElement("option");
    o.value = value; o.textContent = text; select.appendChild(o);
  }
  function fmt(n) { return n.toLocaleString("en-US"); }

  var labelCounts = labels.map(function () { return 0; }), docCounts = docs.map(function () { return 0; });
  var unlabelled = 0;
  rows.forEach(function (r) {
    docCounts[r[0]]++;
    if (!r[4].length) unlabelled++;
    r[4].forEach(function (i) { labelCounts[i]++; });
  });
  option(labelSel, "", "All labels (" + fmt(rows.length) + ")");
  labels.forEach(function (l, i) { option(labelSel, String(i), l[1] + " " + l[0] + " (" + fmt(labelCounts[i]) + ")"); });
  option(labelSel, "none", "No instrument (" + fmt(unlabelled) + ")");
  option(docSel, "", "All documents (" + fmt(docs.length) + ")");
  docs.forEach(function (d, i) { if (docCounts[i]) option(docSel, String(i), d[1] + " (" + fmt(docCounts[i]) + ")"); });

  function apply() {
    var lv = labelSel.value, dv = docSel.value;
    var li = (lv === "" || lv === "none") ? -1 : Number(lv), di = dv === "" ? -1 : Number(dv);
    var terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    matches = [];
    outer: for (var k = 0; k < rows.length; k++) {
      var r = rows[k];
      if (di >= 0 && r[0] !== di) continue;
      if (lv === "none" ? r[4].length > 0 : (li >= 0 && r[4].indexOf(li) < 0)) continue;
      if (terms.length) {
        var t = lowered[k] || (lowered[k] = r[2].toLowerCase());
        for (var j = 0; j < terms.length; j++) if (t.indexOf(terms[j]) < 0) continue outer;
      }
      matches.push(k);
    }
    list.textContent = "";
    shown = 0;
    showMore();
  }

  function showMore() {
    var frag = document.createDocumentFragment(), end = Math.min(matches.length, shown + PAGE);
    for (; shown < end; shown++) frag.appendChild(sentence(rows[matches[shown]]));
    list.appendChild(frag);
    count.textContent = matches.length
      ? "Showing " + fmt(shown) + " of " + fmt(matches.length) + " matching sentences"
      : "No sentence matches.";
    more.hidden = shown >= matches.length;
  }

  function chip(i, score) {
    var c = document.createElement("span");
    c.className = "chip";
    c.title = labels[i][0];
    var sw = c.appendChild(document.createElement("span"));
    sw.className = "swatch"; sw.style.background = labels[i][2];
    c.appendChild(document.createTextNode(labels[i][1]));
    var b = c.appendChild(document.createElement("b"));
    b.textContent = (score / 1000).toFixed(2);
    return c;
  }

  function sentence(r) {
    var el = document.createElement("article");
    el.className = "sent";
    el.setAttribute("data-doc", docs[r[0]][0]);
    el.setAttribute("data-labels", r[4].map(function (i) { return labels[i][0]; }).join(" "));
    var meta = el.appendChild(document.createElement("div"));
    meta.className = "meta";
    meta.textContent = docs[r[0]][1] + " \u00b7 #" + (r[1] + 1);
    var body = el.appendChild(document.createElement("div"));
    body.innerHTML = r[3].replace(/<(\d+)>/g, function (m, i) { return tags[Number(i)]; });
    var chips = el.appendChild(document.createElement("div"));
    chips.className = "chips";
    r[4].forEach(function (i) { chips.appendChild(chip(i, r[5][i])); });
    if (!r[4].length) {
      var none = chips.appendChild(document.createElement("span"));
      none.className = "chip none"; none.textContent = "no instrument";
    }
    var btn = chips.appendChild(document.createElement("button"));
    btn.className = "scores-btn"; btn.type = "button"; btn.textContent = "all scores";
    btn.addEventListener("click", function () {
      var open = el.querySelector(".allscores");
      if (open) { open.remove(); return; }
      var all = el.appendChild(document.createElement("div"));
      all.className = "allscores";
      all.textContent = labels.map(function (l, i) { return [r[5][i], l[1] + " " + (r[5][i] / 1000).toFixed(3)]; })
        .sort(function (a, b) { return b[0] - a[0]; }).map(function (p) { return p[1]; }).join(" \u00b7 ");
    });
    return el;
  }

  var timer = 0;
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 120); });
  labelSel.addEventListener("change", apply);
  docSel.addEventListener("change", apply);
  more.addEventListener("click", showMore);
  apply();
  performance.mark("zhpolicy-rendered");
  document.documentElement.setAttribute("data-rendered", "1");
})();
"""
