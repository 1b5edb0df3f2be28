"""The tagger: a trained pipeline applied to new documents, from Python or the CLI.

    import zhpolicy
    tagger = zhpolicy.load()
    doc = tagger.tag(text)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from zhpolicy.corpus.cleaning import clean_document
from zhpolicy.corpus.splitting import split_sentences
from zhpolicy.errors import ZhpolicyError
from zhpolicy.labels import ENTITY_LABELS, INSTRUMENT_LABELS

DEFAULT_PACKAGE = "zh_policy_instruments"
DEFAULT_MODEL_DIR = Path("models/default")
BATCH_SIZE = 256
NO_MODEL = (f"no model found: neither the package {DEFAULT_PACKAGE} is installed nor {DEFAULT_MODEL_DIR} built; "
            "run `zhpolicy run` (or `zhpolicy train`), or pass a model path or package name")


@dataclass(frozen=True)
class Entity:
    start: int  # offsets into the sentence text
    end: int
    label: str
    text: str


@dataclass
class TaggedSentence:
    text: str
    start: int  # offsets into the cleaned document (0..len(text) for tag_sentences)
    end: int
    labels: list[str]
    scores: dict[str, float]
    entities: list[Entity]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TaggedDocument:
    doc_id: str | None
    text: str  # the cleaned document
    sentences: list[TaggedSentence]
    profile: dict[str, int] = field(default_factory=dict)  # label -> number of sentences

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "text": self.text, "profile": dict(self.profile),
                "sentences": [s.to_dict() for s in self.sentences]}


def instrument_profile(sentences: Iterable[TaggedSentence]) -> dict[str, int]:
    counts = Counter(label for s in sentences for label in s.labels)
    return {label: counts.get(label, 0) for label in INSTRUMENT_LABELS}


class Tagger:
    """A loaded pipeline plus the per-label thresholds it was tuned with."""

    def __init__(self, nlp, source: str = ""):
        self.nlp = nlp
        self.source = source
        meta = nlp.meta.get("zhpolicy", {})
        self.thresholds: dict[str, float] = {label: float(meta.get("thresholds", {}).get(label, 0.5))
                                             for label in INSTRUMENT_LABELS}
        textcat_labels = nlp.get_pipe("textcat_multilabel").labels if "textcat_multilabel" in nlp.pipe_names else ()
        self.labels: list[str] = [label for label in INSTRUMENT_LABELS if label in textcat_labels]
        ner_labels = nlp.get_pipe("ner").labels if "ner" in nlp.pipe_names else ()
        self.entity_labels: list[str] = [label for label in ENTITY_LABELS if label in ner_labels]

    @property
    def name(self) -> str:
        return f"{self.nlp.meta.get('lang', 'zh')}_{self.nlp.meta.get('name', 'pipeline')}"

    @property
    def version(self) -> str:
        return str(self.nlp.meta.get("version", ""))

    def info(self) -> dict:
        """What a reader of tagged output needs to know about the model: name,
        version, where it came from and its test scores (None if never evaluated)."""
        return {"name": self.name, "version": self.version, "source": self.source,
                "evaluation": self.nlp.meta.get("zhpolicy", {}).get("evaluation") or _folder_evaluation(self.source)}

    def tag(self, text: str, doc_id: str | None = None) -> TaggedDocument:
        """Clean and split a document as the corpus stage does, then tag every sentence."""
        return self.tag_cleaned(clean_document(text).text, doc_id)

    def tag_cleaned(self, cleaned: str, doc_id: str | None = None) -> TaggedDocument:
        """Split an already cleaned document and tag every sentence."""
        from zhpolicy.components import sentence_position

        spans = split_sentences(cleaned)
        sentences = list(self._tag_texts([cleaned[s.start:s.end] for s in spans], [s.start for s in spans],
                                         [sentence_position(s.start, len(cleaned)) for s in spans]))
        return TaggedDocument(doc_id, cleaned, sentences, instrument_profile(sentences))

    def tag_sentences(self, texts: Iterable[str], batch_size: int = BATCH_SIZE,
                      positions: Iterable[float | None] | None = None) -> list[TaggedSentence]:
        """One TaggedSentence per given string, no cleaning or splitting; streamed in batches.

        `positions`, if given, says where each sentence starts in its document as
        a fraction of the document's length (0..1); the instrument scores use it
        (targets cluster early in a report). Without it a sentence is scored as if
        its place were unknown, which tag() never needs to do.
        """
        return list(self.iter_sentences(texts, batch_size, positions))

    def iter_sentences(self, texts: Iterable[str], batch_size: int = BATCH_SIZE,
                       positions: Iterable[float | None] | None = None) -> Iterator[TaggedSentence]:
        return self._tag_texts(texts, None, positions, batch_size)

    def _tag_texts(self, texts: Iterable[str], starts: list[int] | None, positions: Iterable[float | None] | None,
                   batch_size: int = BATCH_SIZE) -> Iterator[TaggedSentence]:
        from threadpoolctl import threadpool_limits

        from zhpolicy.components import positioned_docs

        index = 0
        for batch in _batches(_with_positions(texts, positions), batch_size):
            # One BLAS thread: as fast here as several (the matrices are small),
            # and the scores then do not depend on how many threads a machine,
            # a process pool or a Dask worker allows, so every engine agrees.
            with threadpool_limits(limits=1, user_api="blas"):
                docs = list(self.nlp.pipe(positioned_docs(self.nlp, *zip(*batch)), batch_size=batch_size))
            for doc in docs:
                offset = starts[index] if starts is not None else 0
                index += 1
                scores = {label: round(float(doc.cats.get(label, 0.0)), 4) for label in INSTRUMENT_LABELS}
                labels = [label for label in self.labels if scores[label] >= self.thresholds[label]]
                entities = [Entity(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents]
                yield TaggedSentence(doc.text, offset, offset + len(doc.text), labels, scores, entities)


_MISSING = object()


def _with_positions(texts: Iterable[str], positions: Iterable[float | None] | None) -> Iterator[tuple]:
    if positions is None:
        yield from ((text, None) for text in texts)
        return
    remaining = iter(positions)
    for text in texts:
        position = next(remaining, _MISSING)
        if position is _MISSING:
            raise ValueError("positions must give one value per text: fewer positions than texts")
        yield text, position
    if next(remaining, _MISSING) is not _MISSING:
        raise ValueError("positions must give one value per text: more positions than texts")


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def evaluation_summary(metrics: dict) -> dict:
    """The headline figures of an evaluation's metrics.json."""
    return {"split": metrics["split"], "sentences": metrics["sentences"],
            "instruments_macro_f": metrics["instruments"]["macro"]["f"],
            "instruments_micro_f": metrics["instruments"]["micro"]["f"],
            "entities_micro_f": metrics["entities"]["micro"]["f"]}


def _folder_evaluation(source: str) -> dict | None:
    """A model folder evaluated with `zhpolicy evaluate` keeps its test metrics beside it."""
    import json

    metrics = Path(source) / "evaluation" / "test" / "metrics.json"
    if not source or not metrics.is_file():
        return None
    try:
        return evaluation_summary(json.loads(metrics.read_text(encoding="utf-8")))
    except (ValueError, KeyError):
        return None


def resolve_model(name: str | Path | None = None) -> tuple[str, Path]:
    """Where load(name) would load from, without loading: (what to pass to load
    elsewhere, the pipeline's meta.json). Folders come back as absolute paths."""
    import importlib.util

    from zhpolicy.training.train import pipeline_dir

    def package_meta(package: str) -> Path | None:
        spec = importlib.util.find_spec(package) if package.isidentifier() else None
        if spec is None or not spec.submodule_search_locations:
            return None
        return next(iter(sorted(Path(list(spec.submodule_search_locations)[0]).glob("*/meta.json"))), None)

    if name is None:
        meta = package_meta(DEFAULT_PACKAGE)
        if meta is not None:
            return DEFAULT_PACKAGE, meta
        if not (pipeline_dir(DEFAULT_MODEL_DIR) / "meta.json").exists():
            raise ZhpolicyError(NO_MODEL)
        name = DEFAULT_MODEL_DIR
    path = Path(name)
    if path.exists():
        meta = pipeline_dir(path) / "meta.json"
        if not meta.exists():
            raise ZhpolicyError(f"{path}: not a trained pipeline (no meta.json)")
        return str(path.resolve()), meta
    meta = package_meta(str(name))
    if meta is None:
        raise ZhpolicyError(f"{name}: no such model folder or installed package")
    return str(name), meta


def load(name: str | Path | None = None) -> Tagger:
    """Load a tagger: a package name or a pipeline/model folder.

    With no name: the installed package zh_policy_instruments, else
    models/default, else an error that says how to build one.
    """
    from zhpolicy.ops import fast_cpu_ops

    with fast_cpu_ops():
        return _load(name)


def _load(name: str | Path | None) -> Tagger:
    import spacy

    from zhpolicy import architectures, components  # noqa: F401  (registered functions the pipelines use)
    from zhpolicy.training.train import pipeline_dir

    if name is None:
        try:
            return Tagger(spacy.load(DEFAULT_PACKAGE), DEFAULT_PACKAGE)
        except OSError:
            pass
        if pipeline_dir(DEFAULT_MODEL_DIR).joinpath("meta.json").exists():
            return Tagger(spacy.load(pipeline_dir(DEFAULT_MODEL_DIR)), str(DEFAULT_MODEL_DIR))
        raise ZhpolicyError(NO_MODEL)
    path = Path(name)
    if path.exists():
        target = pipeline_dir(path)
        if not (target / "meta.json").exists():
            raise ZhpolicyError(f"{path}: not a trained pipeline (no meta.json)")
        return Tagger(spacy.load(target), str(path))
    try:
        return Tagger(spacy.load(str(name)), str(name))
    except OSError:
        raise ZhpolicyError(f"{name}: no such model folder or installed package") from None
