"""Synthetic tagged output (the records `zhpolicy tag` writes) for the report tests."""

from __future__ import annotations

import json
from pathlib import Path

from zhpolicy.labels import INSTRUMENT_LABELS

MODEL = {"record": "model", "name": "zh_policy_instruments", "version": "0.1.0", "source": "models/default",
         "evaluation": {"split": "test", "instruments_macro_f": 0.677, "instruments_micro_f": 0.698,
                        "entities_micro_f": 0.767}}

# (text, labels, [(entity text, label)]): short sentences written for these tests.
TEMPLATES: list[tuple[str, list[str], list[tuple[str, str]]]] = [
    ("省财政安排专项资金3亿元支持中小企业发展。", ["fiscal", "industry"], [("3亿元", "MONEY")]),
    ("对高新技术企业减按15%的税率征收企业所得税。", ["tax"], [("15%", "PERCENT")]),
    ("到2025年研发投入强度达到3%以上。", ["planning", "innovation"], [("2025年", "DATE"), ("3%", "PERCENT")]),
    ("加快建设5G基站和新能源汽车充电桩。", ["infrastructure", "green"], []),
    ("落实《关于促进就业的若干措施》，新增城镇就业110万人。", ["employment", "welfare"],
     [("《关于促进就业的若干措施》", "POLICY"), ("110万人", "QUANTITY")]),
    ("今年以来经济运行总体平稳。", [], [("今年", "DATE")]),
    ("省发展改革委会同商务厅扩大外资准入。", ["trade"], [("省发展改革委", "ORG"), ("商务厅", "ORG")]),
    ("李明同志主持召开优化营商环境推进会。", ["services"], [("李明", "PERSON")]),
]


def sentence_record(doc_id: str, index: int, text: str, labels: list[str],
                    entities: list[tuple[str, str]]) -> dict:
    ents = []
    for part, label in entities:
        start = text.index(part)
        ents.append({"start": start, "end": start + len(part), "label": label, "text": part})
    scores = {label: (0.9 if label in labels else 0.05) for label in INSTRUMENT_LABELS}
    return {"record": "sentence", "doc_id": doc_id, "source": f"{doc_id}.csv#1", "sentence": index,
            "text": text, "start": index * 40, "end": index * 40 + len(text), "labels": labels,
            "scores": scores, "entities": ents}


def document(doc_id: str, title: str, province: str, year: str, sentences: list[tuple]) -> list[dict]:
    records = [sentence_record(doc_id, i, *s) for i, s in enumerate(sentences)]
    profile = {label: sum(label in s[1] for s in sentences) for label in INSTRUMENT_LABELS}
    records.append({"record": "profile", "doc_id": doc_id, "source": f"{doc_id}.csv#1", "title": title,
                    "province": province, "year": year, "sha256": "0" * 64, "sentences": len(sentences),
                    "profile": profile})
    return records


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


HOSTILE = "注意</script><b>x</b>标签<!-- 不应生效 & \u2028 结束"
SEARCH_WORD = "海洋牧场"


def synthetic_corpus(folder: Path) -> list[Path]:
    """Three documents in two files: 广东省 (300 sentences), 浙江省 (200, three mention
    SEARCH_WORD, one is HOSTILE) and a national one without a province (20)."""
    gd = [TEMPLATES[i % len(TEMPLATES)] for i in range(300)]
    zj = [TEMPLATES[(i * 3) % len(TEMPLATES)] for i in range(200)]
    for i in (10, 50, 150):
        zj[i] = (f"支持{SEARCH_WORD}建设，省财政安排资金2亿元。", ["fiscal", "industry"], [("2亿元", "MONEY")])
    zj[7] = (HOSTILE, ["regulation"], [("</script>", "ORG")])
    national = [TEMPLATES[i % 3] for i in range(20)]
    first = write_jsonl(folder / "a" / "gd.jsonl",
                        [MODEL, *document("gd-2026", "2026年广东省政府工作报告", "广东省", "2026", gd)])
    second = write_jsonl(folder / "b.jsonl",
                         [MODEL, *document("zj-2026", "浙江省政府工作报告<img src=x onerror=alert(1)>", "浙江省",
                                           "2026", zj),
                          *document("cn-2026", "2026年国务院政府工作报告", "", "2026", national)])
    return [first, second]
