"""`zhpolicy annotations agreement`: gold against the second independent annotation.

Per-label Cohen's kappa (scikit-learn) for the instruments; entity agreement
as F1 of one annotator's spans against the other's (exact match), per type.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import cohen_kappa_score

from zhpolicy.annotations.records import AnnotationRecord
from zhpolicy.evaluation.metrics import span_scores
from zhpolicy.labels import ENTITY_LABELS, INSTRUMENT_LABELS


def agreement(gold: list[AnnotationRecord], double: list[AnnotationRecord]) -> dict:
    gold_by_key = {r.key: r for r in gold}
    pairs = [(gold_by_key[r.key], r) for r in double if r.key in gold_by_key]
    result = {"sentences": len(pairs), "instruments": {}, "entities": None,
              "disagreements": [], "unpaired_double": len(double) - len(pairs)}
    if not pairs:
        return result
    for label in INSTRUMENT_LABELS:
        a = np.array([label in g.cats for g, _ in pairs], dtype=int)
        b = np.array([label in d.cats for _, d in pairs], dtype=int)
        both_constant = a.min() == a.max() == b.min() == b.max()
        kappa = 1.0 if both_constant else float(cohen_kappa_score(a, b))
        result["instruments"][label] = {"kappa": round(kappa, 3), "positives_gold": int(a.sum()),
                                        "positives_double": int(b.sum()), "agree": int((a == b).sum())}
    kappas = [v["kappa"] for v in result["instruments"].values()]
    result["mean_kappa"] = round(float(np.mean(kappas)), 3)
    result["entities"] = span_scores([[tuple(e) for e in g.entities] for g, _ in pairs],
                                     [[tuple(e) for e in d.entities] for _, d in pairs], list(ENTITY_LABELS))
    result["exact_cats_agreement"] = round(sum(set(g.cats) == set(d.cats) for g, d in pairs) / len(pairs), 3)
    result["disagreements"] = [g.sentence_id for g, d in pairs if not g.same_labels(d)]
    return result


def format_agreement(result: dict) -> str:
    if not result["sentences"]:
        return "no sentence is annotated both in gold and in double"
    lines = [f"{result['sentences']} sentences annotated twice; identical label sets: "
             f"{result['exact_cats_agreement']:.1%}", "",
             f"{'instrument':<16}{'kappa':>7}{'gold+':>7}{'double+':>9}", ]
    for label, v in result["instruments"].items():
        lines.append(f"{label:<16}{v['kappa']:>7.3f}{v['positives_gold']:>7}{v['positives_double']:>9}")
    lines.append(f"{'mean':<16}{result['mean_kappa']:>7.3f}")
    ents = result["entities"]
    lines += ["", f"{'entity':<16}{'F1':>7}{'support':>9}"]
    for label, v in ents["per_type"].items():
        lines.append(f"{label:<16}{v['f']:>7.3f}{v['support']:>9}")
    lines.append(f"{'micro':<16}{ents['micro']['f']:>7.3f}")
    lines.append(f"\n{len(result['disagreements'])} sentences differ in labels or spans")
    return "\n".join(lines)
