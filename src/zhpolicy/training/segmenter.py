"""Word segmenters for the Chinese tokenizer, with an offline path for pkuseg.

spacy-pkuseg downloads its models from GitHub, which is out of reach on many
machines. The PyPI source distribution of pkuseg 0.0.25 ships the same
default model (pkuseg/models/default: weights.npz + features.pkl), which
spacy-pkuseg loads by path. `fetch_pkuseg_model` downloads that
distribution once with pip and caches the model folder.

Licence caveat: pkuseg's models were trained on corpora whose licences
restrict them to research use; a pipeline that carries the pkuseg model
inherits that restriction.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from zhpolicy.errors import ZhpolicyError

SEGMENTERS = ("char", "pkuseg")
PKUSEG_SDIST = "pkuseg==0.0.25"
PKUSEG_FILES = ("weights.npz", "features.pkl")
# Model names spacy-pkuseg itself knows how to download (needs GitHub).
ONLINE_PKUSEG_MODELS = ("spacy_ontonotes", "mixed", "news", "web", "medicine", "tourism")


def cache_dir() -> Path:
    return Path(os.environ.get("ZHPOLICY_CACHE", Path.home() / ".cache" / "zhpolicy"))


def cached_pkuseg_model() -> Path:
    return cache_dir() / "pkuseg-0.0.25" / "default"


def has_pkuseg_model(path: Path) -> bool:
    """weights.npz plus the features, as shipped (pkl) or converted (msgpack)."""
    return (path / "weights.npz").is_file() and any((path / f).is_file() for f in ("features.msgpack",
                                                                                     "features.pkl"))


def fetch_pkuseg_model(force: bool = False, log=print) -> Path:
    """Download pkuseg's sdist from PyPI (once) and cache its default model."""
    target = cached_pkuseg_model()
    if has_pkuseg_model(target) and not force:
        if not (target / "features.msgpack").exists():
            _convert_features(target)  # cached by an earlier version, before the conversion
        return target
    _ensure_build_tools(log)
    with tempfile.TemporaryDirectory() as tmp:
        log(f"downloading {PKUSEG_SDIST} (source distribution, about 50 MB) with pip ...")
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-build-isolation",
                   "--no-binary", ":all:", "-d", tmp, PKUSEG_SDIST]
        result = subprocess.run(command, capture_output=True, text=True)
        archives = list(Path(tmp).glob("pkuseg-*.tar.gz"))
        if result.returncode != 0 or not archives:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise ZhpolicyError(f"could not download {PKUSEG_SDIST} from PyPI: {last}")
        staging = target.parent / (target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        with tarfile.open(archives[0]) as archive:
            for member in archive.getmembers():
                name = member.name.split("/")
                if name[-3:-1] == ["models", "default"] and name[-1] in PKUSEG_FILES:
                    member.name = name[-1]
                    archive.extract(member, staging, filter="data")
        if not has_pkuseg_model(staging):
            raise ZhpolicyError(f"{archives[0].name} does not contain pkuseg/models/default")
        _convert_features(staging)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)  # the cache is complete or absent, never half-written
    log(f"pkuseg model cached in {target}")
    return target


def _convert_features(model_dir: Path) -> None:
    """spacy-pkuseg reads features.msgpack and warns on every load when it has to
    fall back to the pickled features of pkuseg 0.0.25: convert them once."""
    import spacy_pkuseg

    segmenter = spacy_pkuseg.pkuseg(str(model_dir))
    segmenter.feature_extractor.save(str(model_dir))
    (model_dir / "features.pkl").unlink()


def _ensure_build_tools(log) -> None:
    """pip prepares the sdist's metadata by running its setup.py, which imports Cython and numpy."""
    missing = [name for name in ("Cython", "numpy", "setuptools", "wheel") if not _importable(name)]
    if missing:
        log(f"installing build tools pip needs to read pkuseg's source distribution: {', '.join(missing)}")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *[m.lower() for m in missing]], check=True)


def _importable(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None


def resolve_pkuseg_model(name_or_path: str | None) -> str:
    """The model spacy-pkuseg should load: a folder, or one of its downloadable names."""
    if name_or_path in ONLINE_PKUSEG_MODELS:
        return name_or_path
    if name_or_path:
        path = Path(name_or_path)
        if not has_pkuseg_model(path):
            raise ZhpolicyError(f"{path}: not a pkuseg model folder (needs weights.npz and features)")
        return str(path)
    cached = cached_pkuseg_model()
    if not has_pkuseg_model(cached):
        raise ZhpolicyError("the pkuseg model is not cached yet: run `zhpolicy segmenter fetch`")
    return str(cached)
