"""The Dask engine: task packing and shards (fast), and real runs on a LocalCluster
with a real trained model, including a worker killed mid-run (slow)."""

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from zhpolicy.dask_engine import (SHARD_DIR, already_tagged, merge_profiles, model_fingerprint, plan_tasks,
                                  run_dask, shard_name, write_atomic)
from zhpolicy.errors import ZhpolicyError
from zhpolicy.tag_output import CleanedDocument, DocumentInfo

from conftest import run_cli


def document(source: str, chars: int) -> CleanedDocument:
    return CleanedDocument(DocumentInfo(source, source, "", "", "", f"{chars:064d}"), "字" * chars)


def test_tasks_have_similar_sizes_and_big_documents_go_alone():
    docs = [document(f"d{i}", size) for i, size in enumerate([90, 10, 50, 50, 40, 30, 20, 10, 300])]
    tasks = plan_tasks(docs, 100)
    sizes = sorted(sum(len(d.text) for d in t) for t in tasks)
    assert sum(sizes) == 600 and len(tasks) == 6
    assert [d.info.source for d in max(tasks, key=lambda t: sum(len(d.text) for d in t))] == ["d8"]
    assert sizes[:-1][-1] - sizes[0] <= 50  # the rest are balanced
    assert sorted(d.info.source for t in tasks for d in t) == sorted(d.info.source for d in docs)
    assert plan_tasks(docs, 100) == tasks  # deterministic
    assert plan_tasks([], 100) == []


def test_shard_names_depend_on_model_and_documents():
    docs = [document("a", 5), document("b", 6)]
    assert shard_name("m1", docs) == shard_name("m1", list(docs))
    assert shard_name("m1", docs) != shard_name("m2", docs)
    assert shard_name("m1", docs) != shard_name("m1", docs[:1])


def shard_records(fingerprint: str, *sources: str) -> str:
    records = [{"record": "model", "fingerprint": fingerprint}]
    for source in sources:
        records.append({"record": "profile", "doc_id": source, "source": source, "title": "", "province": "",
                        "year": "", "sha256": "0" * 64, "sentences": 2, "profile": {"tax": 1}})
    return "".join(json.dumps(r) + "\n" for r in records)


def test_shards_of_another_model_are_refused_and_profiles_merge_once(tmp_path):
    write_atomic(tmp_path / SHARD_DIR / "part-a.jsonl", shard_records("m1", "x.txt", "y.txt"))
    write_atomic(tmp_path / SHARD_DIR / "part-b.jsonl", shard_records("m1", "y.txt"))
    assert already_tagged(tmp_path, "m1") == {("x.txt", "0" * 64), ("y.txt", "0" * 64)}
    rows = merge_profiles(tmp_path).read_text(encoding="utf-8").splitlines()
    assert len(rows) == 3 and rows[1].startswith("x.txt,x.txt") and ",1," in rows[1]
    with pytest.raises(ZhpolicyError, match="another model"):
        already_tagged(tmp_path, "m2")
    (tmp_path / SHARD_DIR / "part-c.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ZhpolicyError, match="part-c.jsonl: unreadable shard"):
        already_tagged(tmp_path, "m1")


def test_dask_engine_needs_an_output_folder(tmp_path):
    result = run_cli("tag", str(tmp_path), "--engine", "dask")
    assert result.returncode == 2 and "--output FOLDER" in result.stderr


# ---- real runs (slow) ------------------------------------------------------


def sample_documents(shared_corpus: Path, count: int) -> list[CleanedDocument]:
    from zhpolicy.corpus.readers import read_inputs
    from zhpolicy.tag_output import clean_raw

    files = sorted((shared_corpus / "provincial-2026").glob("*.csv"))[:count]
    return [clean_raw(raw) for raw in read_inputs(files)]


def tagged_records(paths) -> dict[tuple, dict]:
    """Sentence and profile records keyed by what they describe; fails on any doubling."""
    records = {}
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["record"] == "model":
                continue
            key = (record["record"], record["source"], record.get("sentence"))
            assert key not in records, f"{key} written twice"
            records[key] = record
    return records


@pytest.mark.slow
def test_local_and_dask_engines_agree_and_a_rerun_resumes(trained, shared_corpus, tmp_path):
    files = sorted((shared_corpus / "provincial-2026").glob("*.csv"))[:4]
    local = tmp_path / "local.jsonl"
    result = run_cli("tag", *map(str, files), "--model", str(trained.model_dir), "--output", str(local))
    assert result.returncode == 0, result.stderr
    out = tmp_path / "dask"
    result = run_cli("tag", *map(str, files), "--model", str(trained.model_dir), "--engine", "dask",
                     "--workers", "2", "--task-chars", "20000", "--output", str(out))
    assert result.returncode == 0, result.stderr
    shards = sorted((out / SHARD_DIR).glob("part-*.jsonl"))
    assert len(shards) >= 2
    assert tagged_records(shards) == tagged_records([local])
    assert len((out / "profiles.csv").read_text(encoding="utf-8").splitlines()) == 1 + len(files)

    # A crash that lost one shard: the rerun tags only that shard's documents.
    lost = json.loads(shards[0].read_text(encoding="utf-8").splitlines()[-1])["source"]
    shards[0].unlink()
    result = run_cli("tag", *map(str, files), "--model", str(trained.model_dir), "--engine", "dask",
                     "--task-chars", "20000", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert "already tagged with this model" in result.stderr
    assert tagged_records((out / SHARD_DIR).glob("part-*.jsonl")) == tagged_records([local])
    assert lost in {r["source"] for r in tagged_records([local]).values()}


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_and_doubles_nothing(trained, shared_corpus, tmp_path):
    from distributed import Client, LocalCluster

    from zhpolicy.tagging import resolve_model

    docs = sample_documents(shared_corpus, 8)
    spec, meta = resolve_model(trained.model_dir)
    out = tmp_path / "run"
    outcome = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=50) as cluster, Client(cluster) as client:
        pids = list(client.run(os.getpid).values())

        def run():
            try:
                outcome["result"] = run_dask(docs, spec, meta, out, scheduler=cluster.scheduler_address,
                                             task_chars=5_000, progress=False, log=lambda *_: None)
            except BaseException as error:  # surfaced by the assertions below
                outcome["error"] = error

        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.monotonic() + 600
        while not list((out / SHARD_DIR).glob("part-*.jsonl")) and time.monotonic() < deadline:
            time.sleep(0.2)
        written_before_kill = len(list((out / SHARD_DIR).glob("part-*.jsonl")))
        os.kill(pids[0], signal.SIGKILL)
        thread.join(timeout=900)
    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"]
    assert written_before_kill < len(docs) == result.tagged == result.shards
    # The model is loaded once per worker process (the restarted one loads it again).
    assert all(count == 1 for count in result.model_loads.values()) and len(result.model_loads) <= 3
    expected = {}
    from zhpolicy.tag_output import tag_document
    from zhpolicy.tagging import load

    tagger = load(trained.model_dir)
    for doc in docs:
        for record in tag_document(tagger, doc):
            expected[(record["record"], record["source"], record.get("sentence"))] = record
    assert tagged_records((out / SHARD_DIR).glob("part-*.jsonl")) == expected


@pytest.mark.slow
def test_model_fingerprint_changes_with_the_model(trained, tmp_path):
    from zhpolicy.tagging import resolve_model

    _, meta = resolve_model(trained.model_dir)
    copy = tmp_path / "meta.json"
    copy.write_text(meta.read_text(encoding="utf-8").replace('"thresholds"', '"thresholds" '), encoding="utf-8")
    assert model_fingerprint(meta) != model_fingerprint(copy)


@pytest.mark.slow
def test_a_model_the_workers_cannot_load_is_a_one_line_error(tmp_path):
    meta = tmp_path / "meta.json"
    meta.write_text("{}", encoding="utf-8")
    with pytest.raises(ZhpolicyError, match="no such model folder or installed package"):
        run_dask([document("a.txt", 50)], "no_such_model_package", meta, tmp_path / "out", workers=1,
                 progress=False, log=lambda *_: None)
    assert not list((tmp_path / "out").glob("shards/*.jsonl"))
