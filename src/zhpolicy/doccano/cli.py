"""`zhpolicy doccano ...` commands.

doccano-client is imported lazily inside the commands (through client.py), so
the core CLI works without the `doccano` extra.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

doccano_app = typer.Typer(help="Annotate in Doccano: run a local server, push sentences, pull labels.",
                          no_args_is_help=True)

DATA_DIR_OPTION = typer.Option("--data-dir", help="Doccano's data folder (database, uploads, logs, pid file).")
PROJECT_OPTION = typer.Option("--project", help="Doccano project name.")
BUILD_OPTION = typer.Option("--build", help="Built corpus folder (from `zhpolicy corpus build`).")


DEFAULT_DATA_DIR = Path(".doccano/data")


def _info(message: str) -> None:
    typer.echo(message, err=True)


@doccano_app.command("serve")
def serve_command(
    data_dir: Annotated[Path, DATA_DIR_OPTION] = DEFAULT_DATA_DIR,
    port: Annotated[Optional[int], typer.Option(
        help="Port on 127.0.0.1. Default: the port of DOCCANO_URL (8000); 0 picks a free one.")] = None,
    stop: Annotated[bool, typer.Option("--stop", help="Stop the server started on this data folder.")] = False,
    workers: Annotated[int, typer.Option(help="Web server worker processes.")] = 2,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the server to answer.")] = 180.0,
) -> None:
    """Install (once), initialise and start a local Doccano server with its task worker.

    Doccano 1.8.4 goes into its own virtual environment (.doccano/venv). The
    admin is DOCCANO_USERNAME / DOCCANO_PASSWORD (local defaults: admin /
    zhpolicy-local). Runs in the background; `--stop` ends it. A second serve
    on the same data folder reuses its data.
    """
    from zhpolicy.doccano.server import free_port, serve, stop as stop_server
    from zhpolicy.doccano.settings import credentials

    if stop:
        stopped = stop_server(data_dir)
        typer.echo(f"stopped Doccano (processes {', '.join(map(str, stopped))})" if stopped
                   else f"no Doccano server of {data_dir} is running")
        return
    creds = credentials()
    chosen = creds.port if port is None else (port or free_port())
    result = serve(data_dir, chosen, creds, workers=workers, timeout=timeout, log=_info)
    how = "already running" if result.reused else f"started in {result.seconds:.1f} s"
    typer.echo(f"✔ Doccano {how}: {result.url}")
    if result.url != creds.url:
        typer.echo(f"  for push and pull: export DOCCANO_URL={result.url}")
    stop_hint = "" if data_dir == DEFAULT_DATA_DIR else f" --data-dir {data_dir}"
    _info(f"  stop it with `zhpolicy doccano serve --stop{stop_hint}`")


@doccano_app.command("push")
def push_command(
    doc: Annotated[Optional[list[str]], typer.Option(
        "--doc", help="Only this document (repeatable; ids as in corpus/manifest.csv).")] = None,
    split: Annotated[Optional[str], typer.Option(help="Only documents of this split (train, dev, test).")] = None,
    count: Annotated[Optional[int], typer.Option(
        help="The first N sentences of the selection (after --order); those already in the project "
             "are skipped, so the same command twice sends nothing new.")] = None,
    unannotated: Annotated[bool, typer.Option(
        "--unannotated", help="Leave out sentences that already have a record in annotations/gold.")] = False,
    pre_annotate: Annotated[Optional[str], typer.Option(
        "--pre-annotate", metavar="MODEL",
        help="Trained model (folder or package): its predictions go up as suggestions, pre-filled for the "
             "pushing user (DOCCANO_USERNAME) and marked in each example's metadata.")] = None,
    order: Annotated[str, typer.Option(
        help="corpus (document order) or uncertainty (least sure first; needs --pre-annotate).")] = "corpus",
    member: Annotated[Optional[list[str]], typer.Option(
        "--member", help="Add this existing Doccano user to the project as annotator (repeatable).")] = None,
    project: Annotated[str, PROJECT_OPTION] = "zhpolicy",
    guideline: Annotated[Path, typer.Option(help="Markdown guideline shown in the project.")]
    = Path("annotations/GUIDELINES.md"),
    gold: Annotated[Path, typer.Option("--gold-dir", help="Gold folder (for --unannotated).")]
    = Path("annotations/gold"),
    splits_file: Annotated[Path, typer.Option("--splits", help="Split file (for --split).")]
    = Path("annotations/splits.json"),
    build: Annotated[Path, BUILD_OPTION] = Path("corpus/build"),
) -> None:
    """Send corpus sentences to a Doccano project (created with the scheme's labels if missing).

    Each example carries its sentence_id, doc_id and sha1 as metadata; a
    sentence already in the project (same document and text) is never sent
    twice. Server from DOCCANO_URL, login from DOCCANO_USERNAME / DOCCANO_PASSWORD.
    """
    from zhpolicy.annotations.store import load_records, load_splits
    from zhpolicy.corpus import load_documents, load_sentences
    from zhpolicy.doccano.convert import select_sentences
    from zhpolicy.doccano.push import push, suggest
    from zhpolicy.doccano.settings import credentials
    from zhpolicy.errors import InputError

    if order not in ("corpus", "uncertainty"):
        raise typer.BadParameter("use corpus or uncertainty", param_hint="--order")
    if order == "uncertainty" and not pre_annotate:
        raise typer.BadParameter("--order uncertainty needs --pre-annotate MODEL", param_hint="--order")
    if not guideline.exists():
        raise InputError(guideline, "no such guideline file")
    sentences = load_sentences(build)
    if doc:
        unknown = sorted(set(doc) - {s.doc_id for s in sentences})
        if unknown:
            raise InputError(build, f"no document {', '.join(unknown)} in the built corpus")
    skip = {r.key for r in load_records(gold)} if unannotated else set()
    # Ordering by uncertainty ranks the whole selection before taking the first N.
    chosen = select_sentences(sentences, doc, split, load_splits(splits_file) if split else None, skip,
                              None if order == "uncertainty" else count)
    suggestions, model_name = None, None
    if pre_annotate:
        doc_chars = {d.doc_id: d.chars for d in load_documents(build)}
        chosen, suggestions, model_name = suggest(chosen, pre_annotate, order, log=_info, doc_chars=doc_chars)
        chosen = chosen if count is None else chosen[:count]
    if not chosen:
        typer.echo("nothing selected")
        return
    result = push(credentials(), chosen, project, guideline.read_text(encoding="utf-8"), member or [],
                  suggestions, model_name, log=_info)
    for error in result.import_errors:
        typer.secho(f"✘ Doccano import: {error}", fg=typer.colors.RED, err=True)
    typer.echo(f"✔ project {project!r} (id {result.project_id}{', new' if result.created_project else ''}): "
               f"{result.sent} sentences sent, {result.already_present} already there, "
               f"{result.labels_created} labels created ({result.seconds:.1f} s)")
    if result.import_errors:
        raise typer.Exit(1)


@doccano_app.command("pull")
def pull_command(
    gold_user: Annotated[Optional[str], typer.Option(
        "--gold", metavar="USER",
        help="Doccano user whose labels go to the gold folder; the others go to double. "
             "Default: the only annotator with confirmed examples.")] = None,
    adjudicated: Annotated[bool, typer.Option(
        "--adjudicated", help="The gold user's labels are adjudications: they replace other annotators' "
                              "gold records instead of being listed as conflicts.")] = False,
    project: Annotated[str, PROJECT_OPTION] = "zhpolicy",
    gold: Annotated[Path, typer.Option("--gold-dir", help="Gold annotation folder.")] = Path("annotations/gold"),
    double: Annotated[Path, typer.Option("--double-dir", help="Folder for the second, independent annotations.")]
    = Path("annotations/double"),
    build: Annotated[Path, BUILD_OPTION] = Path("corpus/build"),
) -> None:
    """Bring confirmed annotations back from Doccano as stand-off records.

    Checks each example against the built corpus (hash, offsets converted from
    UTF-16, labels, overlaps); bad rows are listed and skipped. A pulled label
    that contradicts another annotator's saved record is a conflict and is not
    written. Prints per-annotator progress and the agreement table. Exit code
    1 when rows were skipped or conflicts found.
    """
    from zhpolicy.annotations.agreement import format_agreement
    from zhpolicy.corpus import load_sentences
    from zhpolicy.doccano.pull import pull
    from zhpolicy.doccano.settings import credentials

    result = pull(credentials(), project, load_sentences(build), gold, double, gold_user, adjudicated, log=_info)
    for user, (done, total) in sorted(result.progress.items()):
        conv = result.per_user.get(user)
        pulled = len(conv.records) if conv else 0
        skipped = len(conv.skips) if conv else 0
        role = " (gold)" if user == result.gold_user else ""
        typer.echo(f"{user}{role}: {done} of {total} examples confirmed; {pulled} records pulled, {skipped} skipped")
    for user, conv in result.per_user.items():
        for skip in conv.skips:
            typer.secho(f"✘ skipped {skip}", fg=typer.colors.RED, err=True)
    for merge in (result.gold, result.double):
        for old, new in merge.conflicts:
            typer.secho(f"✘ conflict in {merge.folder} {new.sentence_id}: {old.annotator} has {old.cats} "
                        f"{old.entities}, {new.annotator} has {new.cats} {new.entities}; not overwritten",
                        fg=typer.colors.RED, err=True)
    typer.echo(f"✔ {result.gold.records} records into {result.gold.folder}, {result.double.records} into "
               f"{result.double.folder}; {result.skips} skipped, {result.conflicts} conflicts "
               f"({result.seconds:.1f} s)")
    for user, table in result.agreement.items():
        typer.echo(f"\nagreement {result.gold_user} (gold) vs {user} (double):\n{format_agreement(table)}")
    if result.skips or result.conflicts:
        raise typer.Exit(1)
