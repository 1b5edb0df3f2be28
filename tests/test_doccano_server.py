"""Against a real Doccano 1.8.4 server, started with the project's own `zhpolicy doccano serve`.

One server per session on a free loopback port with a temporary data folder;
every test writes to temporary annotation folders, never to annotations/.
"""

from __future__ import annotations

import json
import os
import secrets
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import run_cli
from zhpolicy.annotations.agreement import agreement
from zhpolicy.annotations.store import load_records
from zhpolicy.corpus import load_sentences
from zhpolicy.corpus.build import DocumentRecord, SentenceRecord, sha1_text, write_jsonl
from zhpolicy.doccano.server import free_port
from zhpolicy.doccano.settings import Credentials
from zhpolicy.errors import ZhpolicyError
from zhpolicy.labels import INSTRUMENT_LABELS, INSTRUMENTS

pytestmark = pytest.mark.slow
doccano_client = pytest.importorskip("doccano_client")

RARE = "\U0002003e"  # outside the BMP: two UTF-16 code units in Doccano


@dataclass
class Server:
    url: str
    port: int
    data_dir: Path
    creds: Credentials

    def serve(self) -> None:
        done = run_cli("doccano", "serve", "--data-dir", str(self.data_dir), "--port", str(self.port))
        assert done.returncode == 0, done.stderr
        assert self.url in done.stdout

    def stop(self) -> None:
        run_cli("doccano", "serve", "--stop", "--data-dir", str(self.data_dir))

    def client(self, username: str | None = None, password: str | None = None):
        client = doccano_client.DoccanoClient(self.url)
        client.login(username or self.creds.username, password or self.creds.password)
        return client


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    port = free_port()
    creds = Credentials(f"http://127.0.0.1:{port}", "admin", secrets.token_urlsafe(12))
    patch = pytest.MonkeyPatch()
    # run_cli passes the environment on: the serve command and every push/pull see these.
    patch.setenv("DOCCANO_URL", creds.url)
    patch.setenv("DOCCANO_USERNAME", creds.username)
    patch.setenv("DOCCANO_PASSWORD", creds.password)
    srv = Server(creds.url, port, tmp_path_factory.mktemp("doccano-data"), creds)
    srv.serve()
    try:
        yield srv
    finally:
        srv.stop()
        patch.undo()
    assert not (srv.data_dir / "server.json").exists()


def make_build(folder: Path, sentences: list[SentenceRecord]) -> Path:
    """A corpus build holding just these sentences (and their documents, as `corpus build` writes them)."""
    write_jsonl(folder / "sentences.jsonl", (vars(s) for s in sentences))
    ends = Counter()
    for s in sentences:
        ends[s.doc_id] = max(ends[s.doc_id], s.end)
    write_jsonl(folder / "documents.jsonl", (vars(DocumentRecord(doc_id, "test", None, doc_id, "", "", chars,
                                                                 sum(s.doc_id == doc_id for s in sentences), ""))
                                             for doc_id, chars in ends.items()))
    return folder


def rare_sentence() -> SentenceRecord:
    text = f"{RARE}县财政局安排专项资金3亿元支持国务院部署。"
    return SentenceRecord(f"rare-doc/{sha1_text(text)[:10]}", "rare-doc", 0, len(text), text, sha1_text(text))


def utf16(text: str, offset: int) -> int:
    """Independent of the code under test: count UTF-16 code units of the prefix."""
    return len(text[:offset].encode("utf-16-le")) // 2


def planned_labels(i: int, s: SentenceRecord) -> tuple[list[str], list[tuple[int, int, str]]]:
    """Deterministic categories and non-overlapping spans for the i-th sentence."""
    cats = sorted({INSTRUMENT_LABELS[i % 14], INSTRUMENT_LABELS[(i * 5) % 14]}, key=INSTRUMENT_LABELS.index)
    if i % 7 == 3:
        cats = []  # annotated, no instrument
    n = len(s.text)
    spans = []
    if n >= 4:
        spans.append((0, 2, "ORG"))
    if n >= 8 and i % 3:
        spans.append((n - 4, n - 1, ["MONEY", "DATE", "GPE", "POLICY"][i % 4]))
    return cats, spans


def annotate(client, project_id: int, text_by_id: dict[int, str], plan: dict[int, tuple[list, list]]) -> None:
    """Label and confirm examples through the API, as the browser does (UTF-16 offsets)."""
    for example_id, (cats, spans) in plan.items():
        text = text_by_id[example_id]
        for cat in cats:
            client.create_category(project_id, example_id, f"{cat} {INSTRUMENTS[cat]}", human_annotated=True)
        for start, end, label in spans:
            client.create_span(project_id, example_id, utf16(text, start), utf16(text, end), label,
                               human_annotated=True)
        client.update_example_state(project_id, example_id)  # mark as done


def project_id(client, name: str) -> int:
    return next(p.id for p in client.list_projects() if p.name == name)


def examples(client, pid: int) -> list:
    return list(client.list_examples(pid))


def test_round_trip_of_200_sentences_comes_back_identical(server, built_corpus, tmp_path):
    chosen = [s for s in load_sentences(built_corpus) if len(s.text) >= 8][:199] + [rare_sentence()]
    build = make_build(tmp_path / "build", chosen)
    gold, double = tmp_path / "gold", tmp_path / "double"
    pushed = run_cli("doccano", "push", "--project", "roundtrip", "--build", str(build))
    assert pushed.returncode == 0, pushed.stderr
    assert "200 sentences sent" in pushed.stdout

    client = server.client()
    pid = project_id(client, "roundtrip")
    exs = examples(client, pid)
    assert len(exs) == 200
    by_sid = {s.sentence_id: s for s in chosen}
    assert {e.meta["sentence_id"] for e in exs} == set(by_sid)
    assert all(e.meta["sha1"] == by_sid[e.meta["sentence_id"]].sha1 for e in exs)
    index = {s.sentence_id: i for i, s in enumerate(chosen)}
    plan = {e.id: planned_labels(index[e.meta["sentence_id"]], by_sid[e.meta["sentence_id"]]) for e in exs}
    annotate(client, pid, {e.id: e.text for e in exs}, plan)

    pulled = run_cli("doccano", "pull", "--project", "roundtrip", "--build", str(build),
                     "--gold-dir", str(gold), "--double-dir", str(double))
    assert pulled.returncode == 0, pulled.stderr
    assert "admin (gold): 200 of 200 examples confirmed; 200 records pulled, 0 skipped" in pulled.stdout
    records = {r.sentence_id: r for r in load_records(gold)}
    assert len(records) == 200 and not load_records(double)
    for sid, i in index.items():
        cats, spans = planned_labels(i, by_sid[sid])
        r = records[sid]
        assert (r.doc_id, r.sha1, r.cats, r.entities, r.annotator, r.method) == \
            (by_sid[sid].doc_id, by_sid[sid].sha1, cats, sorted(spans), "admin", "manual"), sid
    # The sentence with a character outside the BMP: Python offsets, not Doccano's UTF-16 ones.
    rare = records[rare_sentence().sentence_id]
    end = len(rare_sentence().text)
    assert rare.entities[-1][:2] == (end - 4, end - 1)
    text = rare_sentence().text
    assert [text[a:b] for a, b, _ in rare.entities] == [text[0:2], text[end - 4:end - 1]]

    # Pulling again changes nothing: same files, byte for byte.
    before = {p.name: p.read_bytes() for p in gold.glob("*.jsonl")}
    again = run_cli("doccano", "pull", "--project", "roundtrip", "--build", str(build),
                    "--gold-dir", str(gold), "--double-dir", str(double))
    assert again.returncode == 0, again.stderr
    assert {p.name: p.read_bytes() for p in gold.glob("*.jsonl")} == before


def test_project_has_the_scheme_labels_and_guideline(server, built_corpus):
    done = run_cli("doccano", "push", "--project", "scheme", "--build", str(built_corpus), "--count", "1")
    assert done.returncode == 0, done.stderr
    client = server.client()
    pid = project_id(client, "scheme")
    project = client.find_project_by_id(pid)
    assert project.project_type == "IntentDetectionAndSlotFilling" and not project.collaborative_annotation
    assert project.guideline.startswith("# zhpolicy annotation guideline")
    cats = client.list_label_types(pid, "category")
    spans = client.list_label_types(pid, "span")
    assert len(cats) == 14 and len(spans) == 8
    every = cats + spans
    assert len({t.background_color for t in every}) == 22 and len({t.suffix_key for t in every}) == 22


def test_repush_creates_no_duplicates(server, built_corpus):
    args = ("doccano", "push", "--project", "repush", "--build", str(built_corpus), "--count", "30")
    first, second = run_cli(*args), run_cli(*args)
    assert first.returncode == second.returncode == 0, (first.stderr, second.stderr)
    assert "30 sentences sent, 0 already there" in first.stdout
    assert "0 sentences sent, 30 already there" in second.stdout
    more = run_cli(*args[:-1], "40")
    assert "10 sentences sent, 30 already there" in more.stdout
    keys = Counter((e.meta["doc_id"], e.meta["sha1"]) for e in examples(server.client(), project_id(
        server.client(), "repush")))
    assert len(keys) == 40 and set(keys.values()) == {1}


def test_two_annotators_give_the_expected_agreement(server, built_corpus, tmp_path):
    admin = server.client()
    for name in ("ann1", "ann2"):
        if not any(u.username == name for u in admin.search_users(name)):
            admin.create_user(name, "pw-" + name + "-local")
    done = run_cli("doccano", "push", "--project", "agree", "--build", str(built_corpus), "--count", "20",
                   "--member", "ann1", "--member", "ann2")
    assert done.returncode == 0, done.stderr
    pid = project_id(admin, "agree")
    exs = sorted(examples(admin, pid), key=lambda e: e.id)
    texts = {e.id: e.text for e in exs}
    # ann1: fiscal on the first 10, an ORG span on all 20.
    # ann2: fiscal on 8 of those 10 and on 2 others; the same span on 16, GPE instead on 4.
    plan1 = {e.id: (["fiscal"] if i < 10 else [], [(0, 2, "ORG")]) for i, e in enumerate(exs)}
    plan2 = {e.id: (["fiscal"] if i < 8 or 10 <= i < 12 else [], [(0, 2, "ORG" if i < 16 else "GPE")])
             for i, e in enumerate(exs)}
    annotate(server.client("ann1", "pw-ann1-local"), pid, texts, plan1)
    annotate(server.client("ann2", "pw-ann2-local"), pid, texts, plan2)

    gold, double = tmp_path / "gold", tmp_path / "double"
    pulled = run_cli("doccano", "pull", "--project", "agree", "--build", str(built_corpus), "--gold", "ann1",
                     "--gold-dir", str(gold), "--double-dir", str(double))
    assert pulled.returncode == 0, pulled.stderr
    assert "ann1 (gold): 20 of 20 examples confirmed; 20 records pulled" in pulled.stdout
    assert "ann2: 20 of 20 examples confirmed; 20 records pulled" in pulled.stdout
    assert "agreement ann1 (gold) vs ann2 (double)" in pulled.stdout
    result = agreement(load_records(gold), load_records(double))
    # fiscal: 8 both, 8 neither, 4 one-sided: p_o = 0.8, p_e = 0.5, kappa = 0.6.
    assert result["sentences"] == 20
    assert result["instruments"]["fiscal"]["kappa"] == pytest.approx(0.6)
    assert result["entities"]["micro"]["f"] == pytest.approx(0.8)
    assert {r.annotator for r in load_records(gold)} == {"ann1"}
    assert {r.annotator for r in load_records(double)} == {"ann2"}
    fiscal_line = next(line for line in pulled.stdout.splitlines() if line.startswith("fiscal "))
    assert "0.600" in fiscal_line

    # Without --gold, two annotators are ambiguous: one line, nothing written.
    other = tmp_path / "other"
    ambiguous = run_cli("doccano", "pull", "--project", "agree", "--build", str(built_corpus),
                        "--gold-dir", str(other), "--double-dir", str(other))
    assert ambiguous.returncode == 1 and "--gold" in ambiguous.stderr and not other.exists()

    # A pulled label that contradicts another annotator's gold record is a conflict, not an overwrite.
    before = {p.name: p.read_bytes() for p in gold.glob("*.jsonl")}
    swapped = run_cli("doccano", "pull", "--project", "agree", "--build", str(built_corpus), "--gold", "ann2",
                      "--gold-dir", str(gold), "--double-dir", str(tmp_path / "double2"))
    assert swapped.returncode == 1
    assert swapped.stderr.count("✘ conflict") == 8  # 4 differ in fiscal, 4 in the span label
    assert {p.name: p.read_bytes() for p in gold.glob("*.jsonl")} == before


def one_line_error(done) -> str:
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_server_not_running_gives_one_line_naming_serve(built_corpus, monkeypatch):
    monkeypatch.setenv("DOCCANO_URL", f"http://127.0.0.1:{free_port()}")
    line = one_line_error(run_cli("doccano", "push", "--count", "1", "--build", str(built_corpus)))
    assert "no Doccano server answers" in line and "zhpolicy doccano serve" in line


def test_wrong_password_gives_one_line_without_the_password(server, built_corpus, monkeypatch):
    monkeypatch.setenv("DOCCANO_PASSWORD", "not-the-password-42")
    done = run_cli("doccano", "pull", "--project", "roundtrip", "--build", str(built_corpus))
    line = one_line_error(done)
    assert "wrong username or password" in line
    assert "not-the-password-42" not in done.stdout + done.stderr


def test_missing_project_gives_one_line(server, built_corpus):
    line = one_line_error(run_cli("doccano", "pull", "--project", "no-such-project", "--build", str(built_corpus)))
    assert "no Doccano project named 'no-such-project'" in line


def test_pre_annotation_sends_suggestions_least_sure_first(server, built_corpus, tmp_path):
    import spacy

    import zhpolicy

    # A tiny untrained pipeline: random but fixed instrument scores, and an entity ruler.
    nlp = spacy.blank("zh")
    nlp.add_pipe("entity_ruler")
    textcat = nlp.add_pipe("textcat_multilabel")
    for label in INSTRUMENT_LABELS:
        textcat.add_label(label)
    nlp.initialize()
    nlp.get_pipe("entity_ruler").add_patterns([{"label": "ORG", "pattern": "国务院"}])
    model = tmp_path / "tiny-model"
    nlp.to_disk(model)

    chosen = [s for s in load_sentences(built_corpus) if "国务院" in s.text][:12]
    build = make_build(tmp_path / "build", chosen)
    done = run_cli("doccano", "push", "--project", "suggest", "--build", str(build), "--pre-annotate", str(model),
                   "--order", "uncertainty", "--count", "8")
    assert done.returncode == 0, done.stderr
    assert "8 sentences sent" in done.stdout

    tagger = zhpolicy.load(model)
    tagged = dict(zip((s.sentence_id for s in chosen), tagger.tag_sentences([s.text for s in chosen])))
    admin = server.client()
    pid = project_id(admin, "suggest")
    exs = sorted(examples(admin, pid), key=lambda e: e.id)  # upload order is annotation order
    unsure = [e.meta["uncertainty"] for e in exs]
    assert unsure == sorted(unsure, reverse=True) and all(e.meta["suggested_by"] for e in exs)
    for e in exs:
        t = tagged[e.meta["sentence_id"]]
        got = sorted(c.label for c in admin.list_categories(pid, e.id))
        wanted = sorted(lt.id for lt in admin.list_label_types(pid, "category")
                        if lt.text.split(" ")[0] in t.labels)
        assert got == wanted
        spans = admin.list_spans(pid, e.id)
        assert len(spans) == e.text.count("国务院") and len(spans) >= 1
        admin.update_example_state(pid, e.id)
    gold = tmp_path / "gold"
    pulled = run_cli("doccano", "pull", "--project", "suggest", "--build", str(build),
                     "--gold-dir", str(gold), "--double-dir", str(tmp_path / "double"))
    assert pulled.returncode == 0, pulled.stderr
    records = load_records(gold)
    assert len(records) == 8 and {r.method for r in records} == {"corrected"}
    for r in records:
        assert r.cats == tagged[r.sentence_id].labels
        assert r.entities == [(e.start, e.end, e.label) for e in tagged[r.sentence_id].entities]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_killing_the_server_mid_pull_or_push_loses_nothing(server, built_corpus, tmp_path, monkeypatch):
    from doccano_client.repositories.data_download import DataDownloadRepository
    from doccano_client.repositories.task_status import TaskStatusRepository

    from zhpolicy.doccano.pull import pull
    from zhpolicy.doccano.push import push
    from zhpolicy.doccano.server import stop

    sentences = load_sentences(built_corpus)
    chosen = sentences[:50]
    gold, double = tmp_path / "gold", tmp_path / "double"
    assert push(server.creds, chosen, "killed", "guide", log=lambda _: None).sent == 50
    admin = server.client()
    pid = project_id(admin, "killed")
    exs = examples(admin, pid)
    annotate(admin, pid, {e.id: e.text for e in exs}, {e.id: (["fiscal"], []) for e in exs[:10]})
    first = pull(server.creds, "killed", sentences, gold, double, log=lambda _: None)
    assert first.gold.records == 10
    before = snapshot(gold)
    # Ten more confirmed examples: the next pull would rewrite the document's file.
    annotate(admin, pid, {e.id: e.text for e in exs}, {e.id: (["tax"], []) for e in exs[10:20]})

    real_download = DataDownloadRepository.download

    def download_after_kill(self, *args, **kwargs):
        stop(server.data_dir)  # the server dies between the export task and the file transfer
        return real_download(self, *args, **kwargs)

    monkeypatch.setattr(DataDownloadRepository, "download", download_after_kill)
    with pytest.raises(ZhpolicyError, match="stopped answering while pulling .nothing was written."):
        pull(server.creds, "killed", sentences, gold, double, log=lambda _: None)
    assert snapshot(gold) == before and not double.exists()
    assert not any(p.name.endswith(".tmp") for p in gold.iterdir())
    monkeypatch.undo()

    # A second serve on the same data folder reuses it: the project and its labels are there.
    server.serve()
    after = pull(server.creds, "killed", sentences, gold, double, log=lambda _: None)
    assert after.gold.records == 20 and {r.sentence_id for r in load_records(gold)} == \
        {e.meta["sentence_id"] for e in exs[:20]}

    # The server dies while the import task of a push runs; a re-push after restart completes it.
    real_wait = TaskStatusRepository.wait

    def wait_after_kill(self, *args, **kwargs):
        stop(server.data_dir)
        return real_wait(self, *args, **kwargs)

    monkeypatch.setattr(TaskStatusRepository, "wait", wait_after_kill)
    with pytest.raises(ZhpolicyError, match="stopped answering while pushing"):
        push(server.creds, sentences[:300], "killed", "guide", log=lambda _: None)
    monkeypatch.undo()
    server.serve()
    again = push(server.creds, sentences[:300], "killed", "guide", log=lambda _: None)
    assert again.sent + again.already_present == len({(s.doc_id, s.sha1) for s in sentences[:300]})
    keys = Counter((e["meta"]["doc_id"], e["meta"]["sha1"]) for e in _all_examples(server, pid))
    assert len(keys) == len({(s.doc_id, s.sha1) for s in sentences[:300]}) and set(keys.values()) == {1}


def _all_examples(server: Server, pid: int) -> list[dict]:
    from zhpolicy.doccano.client import connect, list_all

    return list(list_all(connect(server.creds), f"projects/{pid}/examples"))


def test_serve_keeps_credentials_out_of_files(server):
    secret = server.creds.password
    for path in server.data_dir.rglob("*"):
        if path.is_file() and path.suffix in (".log", ".json"):
            assert secret not in path.read_text(errors="replace"), path
    assert json.loads((server.data_dir / "server.json").read_text())["url"] == server.url
    assert os.environ["DOCCANO_PASSWORD"] == secret
