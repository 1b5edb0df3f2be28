"""Corpus stage: raw documents in, clean sentence-split records with stable ids out."""

from zhpolicy.corpus.build import (
    BuildReport,
    DocumentRecord,
    SentenceRecord,
    build_corpus,
    load_documents,
    load_sentences,
    prepare_document,
)
from zhpolicy.corpus.readers import RawDocument, read_inputs

__all__ = [
    "BuildReport",
    "DocumentRecord",
    "RawDocument",
    "SentenceRecord",
    "build_corpus",
    "load_documents",
    "load_sentences",
    "prepare_document",
    "read_inputs",
]
