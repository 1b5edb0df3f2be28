"""`zhpolicy doccano push`: corpus sentences into a Doccano project, without duplicates."""

from __future__ import annotations

import json
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhpolicy.corpus.build import SentenceRecord, write_jsonl
from zhpolicy.doccano.client import PROJECT_TYPE, connect, find_project, list_all, talking_to
from zhpolicy.doccano.convert import Suggestion, example_row, label_specs, uncertainty
from zhpolicy.doccano.settings import Credentials
from zhpolicy.errors import ZhpolicyError
from zhpolicy.labels import ENTITY_LABELS


@dataclass
class PushResult:
    project_id: int
    created_project: bool
    sent: int
    already_present: int
    labels_created: int
    seconds: float
    import_errors: list[str] = field(default_factory=list)


def suggest(sentences: list[SentenceRecord], model: str, order: str, log: Callable[[str], None] = print,
            doc_chars: dict[str, int] | None = None) -> tuple[list[SentenceRecord], dict[str, Suggestion], str]:
    """Tag the sentences with a trained model; with order "uncertainty", least sure first.
    With the documents' lengths (doc_chars) each sentence is scored at its place in its document."""
    import zhpolicy
    from zhpolicy.components import sentence_position

    tagger = zhpolicy.load(model)
    log(f"pre-annotating {len(sentences)} sentences with {tagger.name}")
    suggestions = {}
    positions = None if doc_chars is None else [sentence_position(s.start, doc_chars.get(s.doc_id, s.end))
                                                for s in sentences]
    for sentence, tagged in zip(sentences, tagger.iter_sentences([s.text for s in sentences], positions=positions)):
        suggestions[sentence.sentence_id] = Suggestion(
            list(tagged.labels), [(e.start, e.end, e.label) for e in tagged.entities if e.label in ENTITY_LABELS],
            uncertainty(tagged.scores, tagger.thresholds))
    if order == "uncertainty":
        # Stable sort: ties keep corpus order, so the same model gives the same batch.
        sentences = sorted(sentences, key=lambda s: -suggestions[s.sentence_id].uncertainty)
    return sentences, suggestions, tagger.name


def ensure_project(client: Any, name: str, guideline: str) -> tuple[Any, bool]:
    project = find_project(client, name)
    if project is None:
        # Not collaborative: each annotator labels independently and gets an export file of
        # their own, which is what agreement needs. Not random: upload order is annotation
        # order (--order uncertainty). Spans may not overlap (the scheme's rule).
        project = client.create_project(name=name, project_type=PROJECT_TYPE,
                                        description="zhpolicy: policy instruments and entities per sentence",
                                        guideline=guideline, random_order=False, collaborative_annotation=False,
                                        allow_overlapping=False, grapheme_mode=False)
        return project, True
    if project.project_type != PROJECT_TYPE:
        raise ZhpolicyError(f"Doccano project {name!r} is a {project.project_type} project, not {PROJECT_TYPE}; "
                            "choose another name with --project")
    if project.guideline != guideline:
        client.update_project(project.id, guideline=guideline)
    return project, False


def ensure_labels(client: Any, project_id: int) -> int:
    created = 0
    for kind in ("category", "span"):
        existing = {t.text for t in client.list_label_types(project_id, kind)}
        for spec in (s for s in label_specs() if s.kind == kind):
            if spec.text not in existing:
                client.create_label_type(project_id, kind, spec.text, suffix_key=spec.suffix_key, color=spec.color)
                created += 1
    return created


def ensure_members(client: Any, project_id: int, usernames: list[str]) -> None:
    present = {m.username for m in client.list_members(project_id)}
    known = {u.username for u in client.search_users()} if usernames else set()
    for username in usernames:
        if username in present:
            continue
        if username not in known:
            raise ZhpolicyError(f"no Doccano user named {username!r}; create the account in Doccano's admin "
                                "page (/admin/) first")
        client.add_member(project_id, username, "annotator")


def present_keys(client: Any, project_id: int) -> set[tuple[str, str]]:
    """(doc_id, sha1) of every example in the project: an example is identified by its
    sentence's document and content hash, which is what makes pushing idempotent."""
    if client.count_examples(project_id) == 0:
        return set()
    # Doccano's full export (one file per member, each with every example) takes about 2 s for
    # 5,000 examples; paging through the example list takes about 30 s.
    with tempfile.TemporaryDirectory(prefix="zhpolicy-push-") as tmp:
        archive = client.download(project_id, "JSONL", only_approved=False, dir_name=tmp)
        with zipfile.ZipFile(archive) as zipped:
            names = [n for n in zipped.namelist() if n.endswith(".jsonl")]
            if names:
                rows = (json.loads(line) for line in zipped.read(names[0]).decode("utf-8").splitlines()
                        if line.strip())
                return {(row.get("doc_id"), row.get("sha1")) for row in rows}
    return {(e["meta"].get("doc_id"), e["meta"].get("sha1"))
            for e in list_all(client, f"projects/{project_id}/examples")}


def push(creds: Credentials, sentences: list[SentenceRecord], project_name: str, guideline: str,
         members: list[str] | None = None, suggestions: dict[str, Suggestion] | None = None,
         model_name: str | None = None, log: Callable[[str], None] = print) -> PushResult:
    """Send the sentences (in this order) that the project does not have yet."""
    started = time.monotonic()
    client = connect(creds)
    with talking_to(creds.url, "pushing"):
        project, created = ensure_project(client, project_name, guideline)
        labels_created = ensure_labels(client, project.id)
        ensure_members(client, project.id, members or [])
        present = present_keys(client, project.id)
        new = [s for s in sentences if (s.doc_id, s.sha1) not in present]
        errors: list[str] = []
        if new:
            with tempfile.TemporaryDirectory(prefix="zhpolicy-push-") as tmp:
                path = Path(tmp) / "sentences.jsonl"
                write_jsonl(path, (example_row(s, (suggestions or {}).get(s.sentence_id), model_name) for s in new))
                log(f"uploading {len(new)} sentences")
                status = client.upload(project.id, [str(path)], task=PROJECT_TYPE, format="JSONL",
                                       column_data="text", column_label="label")
            result = status.result if isinstance(status.result, dict) else {}
            errors = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in result.get("error", [])]
            if status.error:
                raise ZhpolicyError(f"Doccano's import task failed: {str(status.error)[:200]}")
    return PushResult(project.id, created, len(new), len(sentences) - len(new), labels_created,
                      time.monotonic() - started, errors)
