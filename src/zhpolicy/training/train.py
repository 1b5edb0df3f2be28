"""`zhpolicy train`: spaCy's own training loop on the gold corpus, then
per-label thresholds tuned on dev and stored in the pipeline's meta.json."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import spacy
from spacy.cli.train import train as spacy_train
from spacy.util import load_config

from zhpolicy import __version__
from zhpolicy import architectures  # noqa: F401  (registers zhpolicy.CharNgramBOW.v1)
from zhpolicy.annotations.store import GOLD_DIR, SPLITS_FILE
from zhpolicy.components import INSTRUMENT_BLEND, PLACE_RULES, POLICY_TOKENIZER, positioned_docs
from zhpolicy.corpus.build import DEFAULT_OUT
from zhpolicy.errors import ZhpolicyError
from zhpolicy.labels import ENTITY_LABELS, INSTRUMENT_LABELS
from zhpolicy.ops import fast_cpu_ops
from zhpolicy.training.blend import add_blend
from zhpolicy.training.data import ConversionReport, indicator, load_gold, write_docbins
from zhpolicy.training.gazetteer import RULER_NAME, add_gazetteer
from zhpolicy.training.segmenter import SEGMENTERS, resolve_pkuseg_model
from zhpolicy.training.thresholds import tune_thresholds

DEFAULT_CONFIG = Path("models/configs/instruments.cfg")
MODELS_DIR = Path("models")
PACKAGE_NAME = "policy_instruments"  # spacy package prefixes the language: zh_policy_instruments


@dataclass
class TrainResult:
    model_dir: Path
    pipeline_dir: Path
    conversion: ConversionReport
    thresholds: dict[str, float]
    seconds: float


def blank_pipeline(segmenter: str, pkuseg_model: str | None = None):
    """A blank Chinese pipeline with the chosen segmenter, ready to tokenize."""
    if segmenter not in SEGMENTERS:
        raise ZhpolicyError(f"unknown segmenter {segmenter!r}; use one of {', '.join(SEGMENTERS)}")
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": POLICY_TOKENIZER, "segmenter": segmenter}}})
    if segmenter == "pkuseg":
        nlp.tokenizer.initialize(pkuseg_model=pkuseg_model)
    return nlp


def pipeline_dir(model: Path) -> Path:
    """A training output folder holds model-best; a packaged or copied pipeline is the folder itself."""
    return model / "model-best" if (model / "model-best" / "meta.json").exists() else model


def corpus_vectors(tokenizer_nlp, segmenter: str, build_dir: Path, splits_file: Path, models_dir: Path,
                   log=print) -> Path:
    """Static vectors learnt from the train-split documents (built once, then reused)."""
    from zhpolicy.annotations.store import load_splits
    from zhpolicy.corpus.build import load_sentences
    from zhpolicy.training.vectors import cooccurrence_vectors, write_spacy_vectors

    splits = load_splits(splits_file)
    train = [s for s in load_sentences(build_dir) if splits.get(s.doc_id) == "train"]
    # Keyed by what they are learnt from: a new corpus or split gets new vectors.
    digest = hashlib.sha1("".join(s.sha1 for s in train).encode()).hexdigest()[:10]
    out_dir = models_dir / "vectors" / f"{segmenter}-{digest}"
    if (out_dir / "vocab" / "vectors").exists():
        return out_dir
    texts = [s.text for s in train]
    log(f"learning {segmenter} vectors from {len(texts):,} train-split sentences ...")
    tokens = [[t.text for t in doc] for doc in tokenizer_nlp.pipe(texts, batch_size=1000)]
    vocab, vectors = cooccurrence_vectors(tokens)
    return write_spacy_vectors(vocab, vectors, out_dir)


def train_model(name: str = "default", segmenter: str = "pkuseg", pkuseg_model: str | None = None,
                config_path: Path = DEFAULT_CONFIG, models_dir: Path = MODELS_DIR, seed: int = 0,
                alignment: str = "strict", max_steps: int | None = None, gold_dir: Path = GOLD_DIR,
                build_dir: Path = DEFAULT_OUT, splits_file: Path = SPLITS_FILE, vectors: bool = True,
                gazetteer: bool | None = None, blend: bool = True, log=print) -> TrainResult:
    if not config_path.exists():
        raise ZhpolicyError(f"{config_path}: config not found")
    model_dir = models_dir / name
    pkuseg_path = resolve_pkuseg_model(pkuseg_model) if segmenter == "pkuseg" else None

    gold = load_gold(gold_dir, build_dir, splits_file)
    tokenizer_nlp = blank_pipeline(segmenter, pkuseg_path)
    data_dir = model_dir / "corpus"
    conversion = write_docbins(tokenizer_nlp, gold, data_dir, alignment)
    if not conversion.docs["train"] or not conversion.docs["dev"]:
        raise ZhpolicyError(f"need gold sentences in train and dev; have {dict(conversion.docs)}")
    log(f"training data: {dict(conversion.docs)} sentences; "
        f"{len(conversion.misaligned)} entity spans off token boundaries ({alignment})")

    overrides = {
        "paths.train": str(data_dir / "train.spacy"),
        "paths.dev": str(data_dir / "dev.spacy"),
        "system.seed": seed,
        "nlp.tokenizer.segmenter": segmenter,
        "initialize.tokenizer.pkuseg_model": pkuseg_path,
    }
    if max_steps:
        overrides["training.max_steps"] = max_steps
    if vectors:
        vectors_dir = corpus_vectors(tokenizer_nlp, segmenter, build_dir, splits_file, models_dir, log)
        overrides["paths.vectors"] = str(vectors_dir)
        overrides["components.tok2vec.model.embed.include_static_vectors"] = True
    config = load_config(config_path, overrides=overrides, interpolate=False)
    model_dir.mkdir(parents=True, exist_ok=True)
    config.to_disk(model_dir / "config.cfg")  # the run's config, beside the model

    for old in ("model-best", "model-last"):
        shutil.rmtree(model_dir / old, ignore_errors=True)
    started = time.perf_counter()
    try:
        with fast_cpu_ops():
            spacy_train(model_dir / "config.cfg", model_dir)
    except SystemExit:  # spaCy's CLI exits on failure after printing why
        raise ZhpolicyError("spacy train failed (its message is above)") from None
    seconds = time.perf_counter() - started

    best = model_dir / "model-best"
    thresholds = finish_pipeline(best, [g for g in gold if g.split == "dev"], segmenter, gazetteer,
                                 conversion, seconds, seed, alignment, [g for g in gold if g.split == "train"],
                                 blend=blend, log=log)
    log(f"trained in {seconds:.0f} s; pipeline in {best}")
    return TrainResult(model_dir, best, conversion, thresholds, seconds)


def finish_pipeline(best: Path, dev: list, segmenter: str, gazetteer: bool | None, conversion: ConversionReport,
                    seconds: float, seed: int, alignment: str, train: list = (), blend: bool = True,
                    log=print) -> dict[str, float]:
    """After `spacy train`: add the linear blend and the place gazetteer, tune thresholds on dev, save."""
    with fast_cpu_ops():
        nlp = spacy.load(best)
    # With one token per character a place name also matches inside other
    # words (广西安全 holds 西安), which cost more precision than it gained on
    # dev; word segmenters keep the ruler on word boundaries.
    use_gazetteer = segmenter != "char" if gazetteer is None else gazetteer
    if use_gazetteer:
        # County short forms on top; the train gold decides which of them are ordinary words
        # (on dev GPE F1 0.79 -> 0.82).
        add_gazetteer(nlp, [(g.text, g.record.entities) for g in train])
        # The scheme's GPE span rules on top of both: on dev GPE F1 0.69 -> 0.80.
        nlp.add_pipe(PLACE_RULES, after=RULER_NAME)
    if blend and train:
        log(f"fitting the character n-gram linear model on {len(train):,} train sentences ...")
        add_blend(nlp, [g.text for g in train], indicator(train), list(INSTRUMENT_LABELS),
                  [g.position for g in train])
    nlp.to_disk(best)
    scores = predict_scores(nlp, [g.text for g in dev], [g.position for g in dev])
    thresholds = tune_thresholds(indicator(dev), scores, list(INSTRUMENT_LABELS))
    write_meta(best, nlp.meta, segmenter, thresholds, conversion, seconds, seed, alignment,
               RULER_NAME in nlp.pipe_names, INSTRUMENT_BLEND in nlp.pipe_names)
    return thresholds


def predict_scores(nlp, texts: list[str], positions: list[float | None] | None = None,
                   batch_size: int = 256) -> np.ndarray:
    labels = list(INSTRUMENT_LABELS)
    docs = positioned_docs(nlp, texts, positions)
    rows = [[doc.cats.get(label, 0.0) for label in labels] for doc in nlp.pipe(docs, batch_size=batch_size)]
    return np.array(rows, dtype=float).reshape(len(texts), len(labels))


def write_meta(pipeline: Path, meta: dict, segmenter: str, thresholds: dict[str, float],
               conversion: ConversionReport, seconds: float, seed: int, alignment: str, gazetteer: bool,
               blend: bool = False) -> None:
    meta = dict(meta)
    meta.update(
        name=PACKAGE_NAME,
        # spacy train leaves 0.0.0; until `zhpolicy package --version` says otherwise, the
        # pipeline carries the version of the zhpolicy that trained it.
        version=__version__,
        description="Policy instruments (14 labels) and entities (8 types) in Chinese government documents.",
        author="zhpolicy",
        license="MIT (pipeline code and weights); see the segmenter note",
    )
    requirements = [r for r in meta.get("requirements", []) if not r.startswith(("spacy-pkuseg", "scikit-learn"))]
    if segmenter == "pkuseg":
        requirements.append("spacy-pkuseg>=1.0,<2")
    if blend:  # the blend's linear model is scikit-learn's
        requirements.append("scikit-learn>=1.3")
    meta["requirements"] = requirements
    meta["zhpolicy"] = {
        "version": __version__,
        "segmenter": segmenter,
        "segmenter_note": ("carries the pkuseg 0.0.25 default model, trained on data restricted to research use"
                           if segmenter == "pkuseg" else "one token per character"),
        "thresholds": thresholds,
        "instrument_labels": list(INSTRUMENT_LABELS),
        "entity_labels": list(ENTITY_LABELS),
        "gold_sentences": dict(conversion.docs),
        "misaligned_entities": dict(conversion.misaligned_per_label()),
        "alignment": alignment,
        "gazetteer": "GB/T 2260 place names (gb2260 package)" if gazetteer else None,
        "blend": ("instrument scores averaged with a logistic regression over TF-IDF character 1-3-grams "
                  "and the sentence's place in its document" if blend else None),
        "train_seconds": round(seconds, 1),
        "seed": seed,
    }
    (pipeline / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
