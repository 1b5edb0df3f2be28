"""Gold annotations: stand-off records keyed by document id and sentence hash."""

from zhpolicy.annotations.records import AnnotationRecord, validate_record
from zhpolicy.annotations.store import load_records, save_records

__all__ = ["AnnotationRecord", "load_records", "save_records", "validate_record"]
