"""`zhpolicy package`: `spacy package` into an installable wheel named zh_policy_instruments."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

from spacy.cli.package import package as spacy_package

from zhpolicy import architectures, components
from zhpolicy.errors import ZhpolicyError
from zhpolicy.tagging import evaluation_summary
from zhpolicy.training.train import PACKAGE_NAME, pipeline_dir

VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def package_model(model: Path, version: str, out_dir: Path = Path("dist")) -> Path:
    """Build the wheel and return its path."""
    if not VERSION.match(version):
        raise ZhpolicyError(f"version {version!r} must look like X.Y.Z")
    source = pipeline_dir(model)
    if not (source / "meta.json").exists():
        raise ZhpolicyError(f"{model}: not a trained pipeline (no meta.json)")
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "pipeline"
        shutil.copytree(source, staged)
        meta_path = staged / "meta.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta.update(name=PACKAGE_NAME, version=version)
        # The test scores travel with the wheel, so tagged output and reports can cite them.
        metrics = Path(model) / "evaluation" / "test" / "metrics.json"
        if metrics.is_file():
            meta.setdefault("zhpolicy", {})["evaluation"] = evaluation_summary(
                json.loads(metrics.read_text(encoding="utf-8")))
        meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        build_dir = Path(tmp) / "build"
        build_dir.mkdir()
        try:
            # --code: the registered architectures and components travel inside the
            # wheel, so the package loads with spaCy alone.
            spacy_package(staged, build_dir, code_paths=[Path(architectures.__file__), Path(components.__file__)],
                          name=PACKAGE_NAME,
                          version=version, create_sdist=False, create_wheel=True, force=True, silent=True)
        except SystemExit:  # spaCy's CLI exits on failure after printing why
            raise ZhpolicyError("spacy package failed (its message is above)") from None
        wheels = list(build_dir.glob("*/dist/*.whl"))
        if not wheels:
            raise ZhpolicyError("spacy package produced no wheel")
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / wheels[0].name
        shutil.copy2(wheels[0], target)
    return target
