"""Readable summary of a corpus build."""

from __future__ import annotations

from zhpolicy.corpus.build import BuildReport


def format_summary(report: BuildReport) -> str:
    lines = [
        f"Corpus built in {report.out_dir}",
        f"  documents   {report.documents:>9,}",
        f"  sentences   {report.sentences:>9,}",
        f"  characters  {report.characters:>9,}",
        f"  duplicates removed: {len(report.near_copies)} near-copy documents, "
        f"{report.duplicate_sentences:,} sentences repeated from another document",
        "",
        f"  {'source':<28}{'documents':>10}{'sentences':>11}{'characters':>12}",
    ]
    for source, counts in sorted(report.per_source.items()):
        lines.append(f"  {source:<28}{counts['documents']:>10,}{counts['sentences']:>11,}"
                     f"{counts['characters']:>12,}")
    if report.removed_lines:
        lines += ["", "  lines removed per cleaning rule:"]
        for rule, count in report.removed_lines.most_common():
            lines.append(f"    {rule:<24}{count:>7,}")
    for copy in report.near_copies:
        lines.append(f"  near-copy: {copy.doc_id} repeats {copy.kept_id} "
                     f"({copy.containment:.0%} of its text); kept {copy.kept_id}")
    if report.errors:
        lines.append(f"  {len(report.errors)} input problem(s) listed above")
    return "\n".join(lines)
