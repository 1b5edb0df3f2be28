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
    build: Annotated[Path, BUILD_OPTION] = Path("corpus/build"),
) -> None:
    """Import an answer file as stand-off records into annotations/gold (or double).

    Entities may be [start, end, LABEL] or [surface text, LABEL] in reading
    order. Invalid lines are listed and not written; a record that contradicts
    another annotator's existing one is a conflict and is not overwritten.
    """
    from zhpolicy.annotations.store import DOUBLE_DIR, GOLD_DIR, load_records, merge_records, save_records
    from zhpolicy.annotations.worksheet import read_answers
    from zhpolicy.corpus import load_sentences

    sentences = {s.sentence_id: s for s in load_sentences(build)}
    result = read_answers(answers, sentences, annotator, method)
    for error in result.errors:
        typer.secho(f"✘ {error}", fg=typer.colors.RED, err=True)
    folder = DOUBLE_DIR if double else GOLD_DIR
    doc_ids = {r.doc_id for r in result.records}
    existing = [r for r in load_records(folder) if r.doc_id in doc_ids]
    merged, conflicts = merge_records(existing, result.records)
    for old, new in conflicts:
        typer.secho(f"✘ conflict {new.sentence_id}: {old.annotator} has {old.cats} {old.entities}, "
                    f"{new.annotator} has {new.cats} {new.entities}; not overwritten", fg=typer.colors.RED, err=True)
    save_records(folder, merged)
    typer.echo(f"{len(result.records)} records imported into {folder}, {len(result.errors)} invalid, "
               f"{len(conflicts)} conflicts")
    if result.errors or conflicts:
        raise typer.Exit(1)


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
