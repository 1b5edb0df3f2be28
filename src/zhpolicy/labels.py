"""The label ids of the annotation scheme (../shared/spec/annotation-scheme.md).

Every stage reads the ids from here; nothing else spells them out.
"""

from __future__ import annotations

# Policy-instrument labels: multi-label, zero or more per sentence.
INSTRUMENTS: dict[str, str] = {
    "planning": "目标规划",
    "fiscal": "财政资金",
    "tax": "税费",
    "finance": "金融支持",
    "employment": "就业与人才",
    "infrastructure": "基础设施",
    "innovation": "科技创新",
    "industry": "产业培育",
    "trade": "开放与招商",
    "regulation": "监管与标准",
    "services": "营商环境与政务服务",
    "demand": "需求拉动",
    "welfare": "民生保障",
    "green": "绿色低碳",
}

# Entity labels: character spans, no overlaps.
ENTITIES: dict[str, str] = {
    "ORG": "organisations",
    "GPE": "places",
    "PERSON": "people",
    "POLICY": "titles of documents",
    "MONEY": "amounts of money",
    "PERCENT": "percentages",
    "QUANTITY": "counted or measured amounts",
    "DATE": "dates and periods",
}

INSTRUMENT_LABELS: tuple[str, ...] = tuple(INSTRUMENTS)
ENTITY_LABELS: tuple[str, ...] = tuple(ENTITIES)
