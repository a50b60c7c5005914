"""report.json, report.md (read in a minute, worst first) and report.html (inline SVG charts)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from evals.metrics import HEADLINE
from evals.targets import split_label

REGRESSION = 0.02  # a headline metric this much lower than the compared report is flagged


def badness(row: dict[str, Any]) -> float:
    """Sort key: the worse a case, the larger."""
    score = 0.0 if row["correct_refusal"] else 3.0
    for name in ("key_fact_recall", "hit_at_k", "citation_recall", "faithfulness"):
        if row[name] is not None:
            score += 1 - row[name]
    return score


def write_reports(report: dict[str, Any], out: Path) -> None:
    """Write the three files into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (out / "report.md").write_text(markdown(report), "utf-8")
    (out / "report.html").write_text(html_report(report), "utf-8")


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


SUMMARY = [
    *HEADLINE,
    "correct_refusal",
    "refusal_precision",
    "refusal_recall",
    "latency_p50_ms",
    "answer_words_median",
    "answers_over_120_words",
]


def summary_table(report: dict[str, Any]) -> list[str]:
    """The headline table: each target overall and per split (dev is tuned on; test is the measurement)."""
    names = SUMMARY
    lines = ["| target | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    runs = [report["run"]] + ([report["baseline"]] if "baseline" in report else [])
    for run in runs:
        lines.append(f"| {run['target']} | " + " | ".join(_fmt(run["summary"].get(n)) for n in names) + " |")
        for split, summary in run["summary"].get("by_split", {}).items():
            if len(run["summary"]["by_split"]) > 1:
                label = f"{run['target']}, {split_label(split)} split"
                lines.append(f"| {label} | " + " | ".join(_fmt(summary.get(n)) for n in names) + " |")
    if "compare" in report:
        lines.append("| compared report | " + " | ".join(_fmt(report["compare"].get(n)) for n in names) + " |")
    return lines


def regressions(report: dict[str, Any]) -> list[str]:
    """Headline metrics that dropped against ``--compare``."""
    if "compare" not in report:
        return []
    now, before = report["run"]["summary"], report["compare"]
    return [
        f"{n}: {before[n]:.3f} → {now[n]:.3f}"
        for n in [*HEADLINE, "correct_refusal"]
        if now.get(n) is not None and before.get(n) is not None and now[n] < before[n] - REGRESSION
    ]


def markdown(report: dict[str, Any]) -> str:
    run = report["run"]
    lines = [
        f"# Eval report: {report['suite']}",
        "",
        f"{report['created']} · judge: {report['judge']} · "
        f"{run['summary']['cases']} cases · fallbacks: {run['summary']['fallbacks']}",
        "",
    ]
    lines += summary_table(report)
    for line in report.get("failed_thresholds", []):
        lines.append(f"\n**Below threshold:** {line}")
    for line in regressions(report):
        lines.append(f"\n**Regression:** {line}")
    if "judge_check" in report:
        jc = report["judge_check"]
        lines += [
            "",
            "## Judge check",
            "",
            f"accuracy {jc['accuracy']}, faithful accepted {jc['faithful_accepted']}, "
            f"corruptions caught {jc['corruptions_caught']}",
            "",
            f"by kind: {jc['by_kind']}",
        ]
        lines += [f"- missed {x['id']} ({x['kind']}): {x['claim']}" for x in jc["misses"]]
    for part, title in (("quotes", "the seeds, evals/quotes.jsonl"), ("quotes_heldout", "held out, never tuned on")):
        if part not in report:
            continue
        q = report[part]
        lines += [
            "",
            f"## Who said what (statement extractor on {title})",
            "",
            f"{q['found']} found for {q['labels']} labelled: speaker precision {q['speaker_precision']}, "
            f"recall {q['speaker_recall']}, span overlap {q['span_overlap']}, kind accuracy {q['kind_accuracy']}, "
            f"chain precision {q['chain_precision']}, chain recall {q['chain_recall']}",
            *[f"- wrong: {w['source']} {w['speaker']}: “{w['text']}” ({w['why']})" for w in q["wrong"]],
            *[f"- missed: {m['source']} {m['speaker']}: “{m['text']}”" for m in q["missed"]],
        ]
    lines += ["", *curve_table(run["summary"])]
    lines += [
        "",
        "## By category",
        "",
        "| category | cases | " + " | ".join(HEADLINE) + " | correct_refusal |",
        "|---" * (len(HEADLINE) + 3) + "|",
    ]
    for cat, s in run["summary"]["by_category"].items():
        lines.append(
            f"| {cat} | {s['cases']} | " + " | ".join(_fmt(s[n]) for n in [*HEADLINE, "correct_refusal"]) + " |"
        )
    lines += ["", "## Cases, worst first", ""]
    for row in sorted(run["cases"], key=badness, reverse=True):
        status = "; ".join(row["problems"]) or "ok"
        lines.append(f"### {row['id']} ({row['category']}): {row['question']}")
        lines.append(f"*{status}*  ")
        lines.append(f"> {row['answer']}")
        for c in row["citations"]:
            lines.append(f"- [{c['id']}] {c['source']} {c['start']}–{c['end']}: “{' '.join(c['quote'].split())[:200]}”")
        lines.append("")
    return "\n".join(lines) + "\n"


def curve_table(summary: dict[str, Any]) -> list[str]:
    """Refusal against coverage over the answerability threshold, per split: the trade-off."""
    splits = summary.get("by_split") or {"all": summary}
    lines = [
        "## Refusal against coverage over the answerability threshold",
        "",
        "Refused: share of the questions the articles do not answer that are refused. Answered: share of the",
        "answerable ones that are answered. Refusals for an unknown name or no similar passage hold at every",
        "threshold.",
        "",
        "| threshold | " + " | ".join(f"{name}: refused / answered" for name in splits) + " |",
        "|---" * (len(splits) + 1) + "|",
    ]
    curves = {name: {p["threshold"]: p for p in s.get("refusal_curve", [])} for name, s in splits.items()}
    for t in sorted({t for c in curves.values() for t in c}):
        cells = [
            f"{_fmt(c[t]['refusal_recall'])} / {_fmt(c[t]['coverage'])}" if t in c else "–" for c in curves.values()
        ]
        lines.append(f"| {t:.2f} | " + " | ".join(cells) + " |")
    return lines


def curve_chart(summary: dict[str, Any], size: int = 260) -> str:
    """The refusal/coverage curve as inline SVG: one line per split, a dot per threshold."""
    splits = summary.get("by_split") or {"all": summary}
    colours = ["#2563eb", "#dc2626", "#059669"]
    parts = [
        f'<svg width="{size + 60}" height="{size + 50}" role="img">'
        '<text x="0" y="14" font-weight="bold">refused (due) against answered (answerable)</text>'
        f'<rect x="40" y="20" width="{size}" height="{size}" fill="none" stroke="#999"/>'
    ]
    for i, (name, s) in enumerate(splits.items()):
        points = [
            (40 + size * (p["coverage"] or 0), 20 + size * (1 - (p["refusal_recall"] or 0)))
            for p in s.get("refusal_curve", [])
        ]
        colour = colours[i % len(colours)]
        parts.append(
            f'<polyline fill="none" stroke="{colour}" points="{" ".join(f"{x:.0f},{y:.0f}" for x, y in points)}"/>'
        )
        parts.append(
            f'<text x="{45 + 70 * i}" y="{size + 40}" fill="{colour}" font-size="12">{html.escape(name)}</text>'
        )
    return "".join(parts) + "</svg>"


def bar_chart(title: str, bars: dict[str, float | None], width: int = 520) -> str:
    """Horizontal bars in [0, 1] as inline SVG."""
    height = 24 * len(bars) + 30
    parts = [
        f'<svg width="{width}" height="{height}" role="img">'
        f'<text x="0" y="14" font-weight="bold">{html.escape(title)}</text>'
    ]
    for i, (label, value) in enumerate(bars.items()):
        y = 26 + 24 * i
        v = value or 0.0
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{html.escape(label)}</text>')
        parts.append(f'<rect x="170" y="{y}" width="{int(300 * v)}" height="18" fill="#2563eb"/>')
        parts.append(f'<text x="{175 + int(300 * v)}" y="{y + 14}" font-size="12">{_fmt(value)}</text>')
    return "".join(parts) + "</svg>"


def histogram(values: list[float], title: str, bins: int = 12, width: int = 520) -> str:
    """Latency distribution as inline SVG."""
    if not values:
        return ""
    low, high = min(values), max(values)
    step = (high - low) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / step))] += 1
    top = max(counts)
    bar = (width - 40) // bins
    parts = [
        f'<svg width="{width}" height="170" role="img">'
        f'<text x="0" y="14" font-weight="bold">{html.escape(title)}</text>'
    ]
    for i, c in enumerate(counts):
        h = int(120 * c / top)
        parts.append(f'<rect x="{20 + i * bar}" y="{140 - h}" width="{bar - 2}" height="{h}" fill="#059669"/>')
    parts.append(f'<text x="20" y="160" font-size="11">{low:.0f} ms</text>')
    parts.append(f'<text x="{width - 90}" y="160" font-size="11">{high:.0f} ms</text>')
    return "".join(parts) + "</svg>"


def html_report(report: dict[str, Any]) -> str:
    run = report["run"]
    charts = []
    for name in ("key_fact_recall", "hit_at_k", "citation_recall", "faithfulness", "correct_refusal"):
        charts.append(bar_chart(f"{name} by category", {c: s[name] for c, s in run["summary"]["by_category"].items()}))
    charts.append(histogram([r["latency_ms"] for r in run["cases"]], "latency per question"))
    charts.append(curve_chart(run["summary"]))
    if "compare" in report:
        before = report["compare"]
        charts.append(
            bar_chart("before (compared report)", {n: before.get(n) for n in HEADLINE})
            + bar_chart("after (this run)", {n: run["summary"][n] for n in HEADLINE})
        )
    flagged = "".join(f"<li>{html.escape(x)}</li>" for x in regressions(report) + report.get("failed_thresholds", []))
    table = markdown_table_html(summary_table(report))
    return (
        "<!doctype html><meta charset='utf-8'><title>Eval report</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}td,th{border:1px solid #ddd;"
        "padding:2px 6px;font-size:12px}table{border-collapse:collapse}svg{display:block;margin:1em 0}</style>"
        f"<h1>Eval report</h1><p>{html.escape(report['suite'])} · {html.escape(report['created'])}</p>{table}"
        f"<ul style='color:#b91c1c'>{flagged}</ul>{''.join(charts)}"
        f"<p>Details per case: report.md</p>"
    )


def markdown_table_html(lines: list[str]) -> str:
    rows = [line.strip("|").split("|") for line in lines if not line.startswith("|---")]
    out = ["<table>"]
    for i, cells in enumerate(rows):
        tag = "th" if i == 0 else "td"
        out.append("<tr>" + "".join(f"<{tag}>{html.escape(c.strip())}</{tag}>" for c in cells) + "</tr>")
    return "".join(out) + "</table>"
