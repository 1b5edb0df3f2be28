"""Shared fixtures. Slow tests (real training, real servers) run with --slow, as CI does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
GOLD = REPO / "annotations" / "gold"
SPLITS = REPO / "annotations" / "splits.json"
CONFIG = REPO / "models" / "configs" / "instruments.cfg"


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run tests marked slow (CI does)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    kept, deselected = [], []
    for item in items:
        (deselected if "slow" in item.keywords else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real `zhpolicy` command as a user would."""
    return subprocess.run([sys.executable, "-m", "zhpolicy.cli", *args], capture_output=True, text=True,
                          cwd=cwd or REPO, timeout=1800)


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    if not SHARED_CORPUS.exists():
        pytest.fail(f"{SHARED_CORPUS} is missing: the shared corpus must sit beside the checkout")
    return SHARED_CORPUS


@pytest.fixture(scope="session")
def built_corpus(tmp_path_factory, shared_corpus) -> Path:
    """The default corpus, built once per test session."""
    from zhpolicy.corpus import build_corpus

    out = tmp_path_factory.mktemp("corpus-build")
    report = build_corpus([shared_corpus], out, progress=False)
    assert not report.errors, report.errors
    return out


def train(tmp_path_factory, built_corpus, segmenter, steps, pkuseg_model=None, vectors=True):
    """A real (short) spaCy training run on the gold corpus."""
    from zhpolicy.training.train import train_model

    models = tmp_path_factory.mktemp(f"models-{segmenter}")
    return train_model("t", segmenter, pkuseg_model, CONFIG, models, max_steps=steps, gold_dir=GOLD,
                       build_dir=built_corpus, splits_file=SPLITS, vectors=vectors, log=lambda *_: None)


@pytest.fixture(scope="session")
def trained(tmp_path_factory, built_corpus):
    """A small char-segmented model, trained once per session for the slow tests."""
    return train(tmp_path_factory, built_corpus, "char", 120)
