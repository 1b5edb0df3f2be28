"""`zhpolicy tag --engine dask`: tagging a large collection on Dask distributed.

Documents are cleaned on the client, packed into tasks of similar size and
tagged on the workers, each of which loads the model once. The client writes
each finished task as one JSONL shard (atomically), so a crashed run resumes
from the shards it finds, and a task retried after a worker died rewrites the
same shard instead of adding a second copy. A table of per-document profiles
is merged from the shards at the end.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from zhpolicy.errors import ZhpolicyError
from zhpolicy.files import atomic_write
from zhpolicy.tag_output import PROFILE_FIELDS, CleanedDocument, profile_row

SHARD_DIR = "shards"
PROFILE_TABLE = "profiles.csv"
# About 20 s of tagging on one core: long enough that scheduling costs little,
# short enough that a lost worker costs little and the progress bar moves.
DEFAULT_TASK_CHARS = 200_000
MISSING_EXTRA = ('the Dask engine needs the dask extra: pip install "zhpolicy[dask]" '
                 '(or pip install -e ".[dask]" in a checkout)')


@dataclass
class DaskRunResult:
    out_dir: Path
    tagged: int  # documents tagged in this run
    skipped: int  # already in the shards from an earlier run with the same model
    shards: int  # written in this run
    workers: int
    profile_table: Path
    model_loads: dict[str, int] = field(default_factory=dict)  # worker -> times it loaded the model


def model_fingerprint(meta_path: Path) -> str:
    """Which trained model tagged a shard: its meta.json holds the thresholds and
    training run, so retraining gives a new fingerprint."""
    return hashlib.sha1(meta_path.read_bytes()).hexdigest()[:12]


def plan_tasks(documents: list[CleanedDocument], task_chars: int) -> list[list[CleanedDocument]]:
    """Pack documents into tasks of similar size: each goes, largest first, to
    the task with the fewest characters so far. A document larger than
    task_chars is a task of its own."""
    if not documents:
        return []
    total = sum(len(d.text) for d in documents)
    count = max(1, min(len(documents), -(-total // max(1, task_chars))))
    tasks: list[list[CleanedDocument]] = [[] for _ in range(count)]
    sizes = [0] * count
    for document in sorted(documents, key=lambda d: (-len(d.text), d.info.source)):
        smallest = min(range(count), key=lambda i: (sizes[i], i))
        tasks[smallest].append(document)
        sizes[smallest] += len(document.text)
    # Keep input order inside a task, so shards read like the input.
    order = {d.info.source: i for i, d in enumerate(documents)}
    return [sorted(t, key=lambda d: order[d.info.source]) for t in tasks if t]


def shard_name(fingerprint: str, task: list[CleanedDocument]) -> str:
    key = "\n".join([fingerprint, *(f"{d.info.source}\t{d.info.sha256}" for d in task)])
    return f"part-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}.jsonl"


# One tagger per worker process, shared by the tasks that run there.
_TAGGERS: dict[str, object] = {}
_TAGGERS_LOCK = threading.Lock()


def _worker_tagger(model: str):
    from zhpolicy.tagging import load

    with _TAGGERS_LOCK:
        fresh = model not in _TAGGERS
        if fresh:
            _TAGGERS[model] = load(model)
        return _TAGGERS[model], fresh


def tag_task(model: str, documents: list[CleanedDocument]) -> dict:
    """Runs on a worker: tag a batch, return its records (the client writes them)."""
    from zhpolicy.tag_output import model_record, tag_document

    tagger, fresh = _worker_tagger(model)
    records = [model_record(tagger)]
    for document in documents:
        records.extend(tag_document(tagger, document))
    return {"records": records, "worker": f"{os.uname().nodename}:{os.getpid()}", "loaded_model": fresh}


def read_shards(out_dir: Path) -> Iterable[tuple[Path, list[dict]]]:
    for shard in sorted((out_dir / SHARD_DIR).glob("part-*.jsonl")):
        try:
            records = [json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, ValueError) as error:
            raise ZhpolicyError(f"{shard}: unreadable shard ({error}); delete it to tag its documents again") \
                from None
        yield shard, records


def write_atomic(path: Path, text: str) -> None:
    with atomic_write(path, newline="") as handle:
        handle.write(text)


def already_tagged(out_dir: Path, fingerprint: str) -> set[tuple[str, str]]:
    """(source, sha256) of every document in the shards this model wrote."""
    done = set()
    for shard, records in read_shards(out_dir):
        model = next((r for r in records if r.get("record") == "model"), {})
        if model.get("fingerprint") != fingerprint:
            raise ZhpolicyError(f"{shard}: tagged by another model; use a new output folder for this one")
        done.update((r["source"], r["sha256"]) for r in records if r.get("record") == "profile")
    return done


def merge_profiles(out_dir: Path) -> Path:
    """The per-document profile table of every shard, one row per document."""
    rows = {}
    for _, records in read_shards(out_dir):
        for record in records:
            if record.get("record") == "profile":
                rows[(record["source"], record["sha256"])] = profile_row(record)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=PROFILE_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows[key] for key in sorted(rows))
    target = out_dir / PROFILE_TABLE
    write_atomic(target, buffer.getvalue())
    return target


def run_dask(documents: list[CleanedDocument], model: str, meta_path: Path, out_dir: Path,
             scheduler: str | None = None, workers: int = 2, task_chars: int = DEFAULT_TASK_CHARS,
             progress: bool | None = None, log: Callable[[str], None] = print) -> DaskRunResult:
    """Tag documents on a Dask cluster into out_dir/shards and out_dir/profiles.csv."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ZhpolicyError(MISSING_EXTRA) from None
    from tqdm import tqdm

    fingerprint = model_fingerprint(meta_path)
    done = already_tagged(out_dir, fingerprint)
    todo = [d for d in documents if (d.info.source, d.info.sha256) not in done]
    skipped = len(documents) - len(todo)
    if skipped:
        log(f"{skipped} document(s) already tagged with this model in {out_dir}; skipping them")
    tasks = plan_tasks(todo, task_chars)

    cluster = None
    if scheduler is None:
        # One thread per worker: spaCy's matrix maths already uses the core.
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
    loads: dict[str, int] = {}
    written = 0
    try:
        with Client(scheduler or cluster, timeout="30s") as client:
            n_workers = len(client.scheduler_info()["workers"])
            log(f"{len(todo)} document(s) in {len(tasks)} task(s) on {n_workers} Dask worker(s)")
            names = {}
            futures = []
            for task in tasks:
                future = client.submit(tag_task, model, task, pure=False, retries=2)
                names[future.key] = shard_name(fingerprint, task)
                futures.append(future)
            bar = tqdm(total=sum(len(t) for t in tasks), desc="tagging", unit="doc",
                       disable=None if progress is None else not progress)
            for future in as_completed(futures):
                try:
                    result = future.result()
                except ZhpolicyError:
                    raise
                except Exception as error:  # raised on a worker, or the task outlived its retries
                    raise ZhpolicyError(
                        f"a Dask task failed ({type(error).__name__}: {' '.join(str(error).split())[:200]}); "
                        f"the {written} shard(s) already written are kept and a rerun resumes from them") from None
                records = result["records"]
                records[0]["fingerprint"] = fingerprint
                write_atomic(out_dir / SHARD_DIR / names[future.key],
                             "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
                written += 1
                if result["loaded_model"]:
                    loads[result["worker"]] = loads.get(result["worker"], 0) + 1
                bar.update(sum(1 for r in records if r["record"] == "profile"))
                future.release()
            bar.close()
    except OSError as error:  # the scheduler could not be reached
        raise ZhpolicyError(f"Dask scheduler {scheduler or 'local cluster'}: {error}") from None
    finally:
        if cluster is not None:
            cluster.close()
    table = merge_profiles(out_dir) if (out_dir / SHARD_DIR).exists() else _empty_table(out_dir)
    return DaskRunResult(out_dir, len(todo), skipped, written, n_workers, table, loads)


def _empty_table(out_dir: Path) -> Path:
    target = out_dir / PROFILE_TABLE
    write_atomic(target, ",".join(PROFILE_FIELDS) + "\n")
    return target
