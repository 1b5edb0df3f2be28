"""The report stage: tagged JSONL in, one self-contained HTML file out.

    from zhpolicy.report import load_tagged, write_report
    write_report(load_tagged(["tagged/"]), "report.html")
"""

from __future__ import annotations

from zhpolicy.report.loading import (DocumentRecord, ModelInfo, ProvinceShare, SentenceRecord, TaggedCollection,
                                     load_tagged, province_shares)
from zhpolicy.report.render import render_report, write_report

__all__ = ["DocumentRecord", "ModelInfo", "ProvinceShare", "SentenceRecord", "TaggedCollection", "load_tagged",
           "province_shares", "render_report", "write_report"]
