"""`zhpolicy annotations stats`: coverage and label counts per split."""

from __future__ import annotations

from collections import Counter

from zhpolicy.annotations.records import AnnotationRecord
from zhpolicy.labels import ENTITY_LABELS, INSTRUMENT_LABELS

SPLIT_ORDER = ("train", "dev", "test")


def annotation_stats(records: list[AnnotationRecord], splits: dict[str, str]) -> dict:
    by_split: dict[str, list[AnnotationRecord]] = {name: [] for name in SPLIT_ORDER}
    for record in records:
        by_split.setdefault(splits.get(record.doc_id, "unsplit"), []).append(record)
    by_split["all"] = records
    table = {}
    for name, group in by_split.items():
        cats = Counter(c for r in group for c in r.cats)
        ents = Counter(e[2] for r in group for e in r.entities)
        table[name] = {
            "sentences": len(group),
            "documents": len({r.doc_id for r in group}),
            "empty": sum(1 for r in group if not r.cats),
            "instruments": {label: cats.get(label, 0) for label in INSTRUMENT_LABELS},
            "entities": {label: ents.get(label, 0) for label in ENTITY_LABELS},
            "annotators": dict(Counter(r.annotator for r in group)),
            "methods": dict(Counter(r.method for r in group)),
        }
    return table


def format_stats(table: dict) -> str:
    columns = [c for c in (*SPLIT_ORDER, "unsplit", "all") if c in table and table[c]["sentences"]]
    head = f"{'':<16}" + "".join(f"{c:>9}" for c in columns)
    lines = [head, f"{'sentences':<16}" + "".join(f"{table[c]['sentences']:>9,}" for c in columns),
             f"{'documents':<16}" + "".join(f"{table[c]['documents']:>9,}" for c in columns),
             f"{'no instrument':<16}" + "".join(f"{table[c]['empty']:>9,}" for c in columns), "",
             "instrument positives"]
    for label in INSTRUMENT_LABELS:
        lines.append(f"  {label:<14}" + "".join(f"{table[c]['instruments'][label]:>9,}" for c in columns))
    lines += ["", "entities"]
    for label in ENTITY_LABELS:
        lines.append(f"  {label:<14}" + "".join(f"{table[c]['entities'][label]:>9,}" for c in columns))
    lines += ["", "annotators: " + ", ".join(f"{k} {v}" for k, v in sorted(table["all"]["annotators"].items())),
              "methods: " + ", ".join(f"{k} {v}" for k, v in sorted(table["all"]["methods"].items()))]
    return "\n".join(lines)
