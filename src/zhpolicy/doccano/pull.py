"""`zhpolicy doccano pull`: confirmed annotations from Doccano into annotations/gold and double.

Everything is downloaded and converted before anything is written, and each
document file is replaced atomically: a pull that fails or is interrupted
(server killed, bad export) leaves the previous annotation files intact.
"""

from __future__ import annotations

import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from zhpolicy.annotations.agreement import agreement
from zhpolicy.annotations.records import AnnotationRecord
from zhpolicy.annotations.store import folder_lock, load_records, merge_records, save_records
from zhpolicy.corpus.build import SentenceRecord, index_by_content
from zhpolicy.doccano.client import connect, require_project, talking_to
from zhpolicy.doccano.convert import Conversion, read_export
from zhpolicy.doccano.settings import Credentials
from zhpolicy.errors import ZhpolicyError


@dataclass
class MergeResult:
    folder: Path
    records: int
    conflicts: list[tuple[AnnotationRecord, AnnotationRecord]] = field(default_factory=list)


@dataclass
class PullResult:
    per_user: dict[str, Conversion]
    progress: dict[str, tuple[int, int]]  # username -> (confirmed, total)
    gold_user: str
    gold: MergeResult
    double: MergeResult
    agreement: dict[str, dict]  # other annotator -> agreement with the gold annotator
    seconds: float

    @property
    def skips(self) -> int:
        return sum(len(c.skips) for c in self.per_user.values())

    @property
    def conflicts(self) -> int:
        return len(self.gold.conflicts) + len(self.double.conflicts)


def read_export_zip(path: Path, corpus: dict[tuple[str, str], SentenceRecord],
                    suggested_for: str | None = None) -> dict[str, Conversion]:
    """A non-collaborative project's export: one USERNAME.jsonl per member."""
    try:
        with zipfile.ZipFile(path) as archive:
            result = {}
            for name in sorted(archive.namelist()):
                if not name.endswith(".jsonl") or name.endswith("/"):
                    continue
                user = Path(name).stem
                lines = archive.read(name).decode("utf-8").splitlines()
                result[user] = read_export(lines, user, corpus, source=name, suggested_for=suggested_for)
            return result
    except (zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise ZhpolicyError(f"Doccano's export is not a readable zip of JSONL files ({exc}); nothing was written") \
            from None


def merge_into(folder: Path, incoming: list[AnnotationRecord], replace: bool) -> MergeResult:
    """Merge by (doc_id, sha1); contradictions with another annotator's record are listed, not written."""
    if not incoming:
        return MergeResult(folder, 0)
    doc_ids = {r.doc_id for r in incoming}
    with folder_lock(folder):
        existing = [r for r in load_records(folder) if r.doc_id in doc_ids]
        merged, conflicts = merge_records(existing, incoming, replace)
        save_records(folder, merged)
    return MergeResult(folder, len(incoming) - len(conflicts), conflicts)


def choose_gold_user(per_user: dict[str, Conversion], gold_user: str | None) -> str:
    annotated = [user for user, c in per_user.items() if c.records]
    if gold_user:
        if gold_user not in per_user:
            raise ZhpolicyError(f"{gold_user!r} is not a member of the project "
                                f"(members: {', '.join(sorted(per_user)) or 'none'})")
        return gold_user
    if len(annotated) == 1:
        return annotated[0]
    if not annotated:
        return ""
    raise ZhpolicyError(f"several annotators ({', '.join(annotated)}): name the one whose labels go to gold "
                        "with --gold (the others go to double)")


def pull(creds: Credentials, project_name: str, sentences: list[SentenceRecord], gold_dir: Path, double_dir: Path,
         gold_user: str | None = None, adjudicated: bool = False, download_dir: Path | None = None,
         log: Callable[[str], None] = print) -> PullResult:
    started = time.monotonic()
    client = connect(creds)
    corpus = index_by_content(sentences)
    with talking_to(creds.url, "pulling (nothing was written)"), \
            tempfile.TemporaryDirectory(prefix="zhpolicy-pull-", dir=download_dir) as tmp:
        project = require_project(client, project_name, creds.url)
        progress = {m.username: (m.progress.completed, m.progress.total)
                    for m in client.get_members_progress(project.id)}
        log("exporting confirmed examples from Doccano")
        # Only examples an annotator marked as done: pre-filled suggestions nobody checked stay out.
        archive = client.download(project.id, "JSONL", only_approved=True, dir_name=tmp)
        per_user = read_export_zip(Path(archive), corpus, suggested_for=creds.username)
    chosen = choose_gold_user(per_user, gold_user)
    gold_records = per_user[chosen].records if chosen else []
    if adjudicated:
        for record in gold_records:
            record.method = "adjudicated"
    others = [r for user, c in per_user.items() if user != chosen for r in c.records]
    gold = merge_into(gold_dir, gold_records, replace=adjudicated)
    double = merge_into(double_dir, others, replace=False)
    pairs = {user: agreement(gold_records, c.records) for user, c in per_user.items()
             if user != chosen and c.records and gold_records}
    return PullResult(per_user, progress, chosen, gold, double, pairs, time.monotonic() - started)
