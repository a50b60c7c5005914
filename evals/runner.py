"""``rag eval``: run a suite against a target, score every case, aggregate, gate on thresholds."""

from __future__ import annotations

import contextlib
import json
import platform
import sys
from collections import defaultdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from evals import metrics as m
from evals.judges import build_judge, check_judge, claims_of
from evals.targets import AssistantTarget, BaselineTarget, Case, Reply, Target, UrlTarget, split_label
from rag.answering.judge import Judge

FAST_SIZE = 22  # the CI subset (pytest): two cases of each category


def load_suite(path: Path) -> list[Case]:
    """The cases of a JSONL suite."""
    return [Case.model_validate_json(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def fast_subset(cases: list[Case], size: int = FAST_SIZE) -> list[Case]:
    """A stratified sample: cases taken round-robin across categories, in file order.

    Every category is represented, so the CI subset exercises refusals, follow-ups and
    false premises as well as single facts; the order is fixed, so runs are comparable.
    """
    by_category: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_category[case.category].append(case)
    queues = [list(reversed(group)) for group in by_category.values()]
    picked: list[Case] = []
    while len(picked) < size and any(queues):
        for queue in queues:
            if queue and len(picked) < size:
                picked.append(queue.pop())
    return picked


def load_thresholds(suite: Path, fast: bool = False, mode: str = "extractive") -> dict[str, float]:
    """Minimums (metric → value) from ``<suite>.thresholds.json``: its "full" or "fast" part
    ("full_llm", "fast_llm" for the LLM answerer: a model's numbers are its own)."""
    return threshold_section(suite, ("fast" if fast else "full") + ("_llm" if mode == "llm" else ""))


def threshold_section(suite: Path, section: str) -> dict[str, float]:
    """One part of ``<suite>.thresholds.json`` ("full", "fast", "quotes", ...); ``{}`` without the file."""
    path = suite.with_name(suite.stem + ".thresholds.json")
    return dict(json.loads(path.read_text("utf-8")).get(section, {})) if path.exists() else {}


def answerer_mode(rows: list[dict[str, Any]]) -> str:
    """'llm' when any answer came from, or fell back from, an LLM; else 'extractive'."""
    return "llm" if any(r["mode"] == "llm" or r["fallback"] for r in rows) else "extractive"


def score_case(case: Case, reply: Reply, judge: Judge, corpus_dir: Path) -> dict[str, Any]:
    """Every metric of one case."""
    answer = reply.answer
    sources = [s for s, _ in reply.retrieved]
    contexts = [t for _, t in reply.retrieved]
    stated = m.statements(answer.answer) if not answer.abstained else []
    quotes = {c.id: c.quote for c in answer.citations}
    recall, precision = m.citation_recall_precision(stated, quotes, judge) if stated else (None, None)
    claims = claims_of(judge, answer.answer) if not answer.abstained else []
    row: dict[str, Any] = {
        "id": case.id,
        "split": case.split,
        "category": case.category,
        "question": case.question,
        "answer": answer.answer,
        "citations": [c.model_dump(include={"id", "source", "start", "end", "quote"}) for c in answer.citations],
        "abstained": answer.abstained,
        "confidence": answer.confidence,
        "refusal_reason": answer.refusal_reason,
        "must_refuse": case.must_refuse,
        "mode": answer.mode,
        "fallback": answer.fallback,
        "hit_at_k": m.hit_at_k(sources, case.expected_sources),
        "mrr": m.reciprocal_rank(sources, case.expected_sources),
        "context_recall": m.context_recall(contexts, case.key_facts),
        "key_fact_recall": m.key_fact_recall(answer.answer, case.key_facts) if not case.must_refuse else None,
        "correct_refusal": answer.abstained == case.must_refuse,
        "citation_validity": m.citation_validity(answer.citations, corpus_dir),
        "citation_recall": recall,
        "citation_precision": precision,
        "faithfulness": m.faithfulness(claims, contexts + quoted_evidence(answer), judge),
        "latency_ms": round(reply.latency_ms, 2),
        "answer_words": len(answer.answer.split()),
    }
    row["problems"] = problems(row, case)
    return row


def quoted_evidence(answer: Any) -> list[str]:
    """What an answer was written from besides the ranked passages a search returns (RAGAS
    faithfulness is against the context the answer was written from): the passages it cites,
    which may lie in the chunks of the question's nearest sentences (``Settings.sentence_k``)
    or, from the quotes index, be its statements."""
    return [c.quote for c in answer.citations]


def problems(row: dict[str, Any], case: Case) -> list[str]:
    """Why a case is not perfect, in words."""
    out = []
    if not row["correct_refusal"]:
        out.append("refused a question the articles answer" if row["abstained"] else "answered instead of refusing")
    if row["hit_at_k"] == 0:
        out.append(f"retrieval missed {', '.join(case.expected_sources)}")
    if row["key_fact_recall"] is not None and row["key_fact_recall"] < 1:
        missing = [g[0] for g in case.key_facts if not m.fact_found(row["answer"], g)]
        out.append(f"missing key fact(s): {'; '.join(missing)}")
    for name in ("citation_validity", "citation_recall", "faithfulness"):
        if row[name] is not None and row[name] < 1:
            out.append(f"{name} {row[name]:.2f}")
    return out


def aggregate(rows: list[dict[str, Any]], splits: bool = True) -> dict[str, Any]:
    """Suite-level metrics, overall, per split (dev, test), per category, and the refusal curve."""
    summary: dict[str, Any] = {name: _round(m.mean([r[name] for r in rows])) for name in m.HEADLINE}
    precision, recall = m.abstention_scores([(r["must_refuse"], r["abstained"]) for r in rows])
    latencies = [r["latency_ms"] for r in rows]
    answered_words = [float(r["answer_words"]) for r in rows if not r["abstained"]]
    summary |= {
        "refusal_precision": _round(precision),
        "refusal_recall": _round(recall),
        "correct_refusal": _round(m.mean([float(r["correct_refusal"]) for r in rows])),
        "latency_p50_ms": _round(m.percentile(latencies, 0.5)),
        "latency_p95_ms": _round(m.percentile(latencies, 0.95)),
        "answer_words": _round(m.mean([float(r["answer_words"]) for r in rows])),
        "answer_words_median": _round(m.percentile(answered_words, 0.5)),
        "answers_over_120_words": sum(w > 120 for w in answered_words),
        "fallbacks": sum(r["fallback"] is not None for r in rows),
        "cases": len(rows),
    }
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_category[r["category"]].append(r)
    summary["by_category"] = {
        cat: {name: _round(m.mean([r[name] for r in rs])) for name in [*m.HEADLINE, "correct_refusal"]}
        | {"cases": len(rs)}
        for cat, rs in sorted(by_category.items())
    }
    if splits:
        by_split: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            by_split[r.get("split", "test")].append(r)
        summary["by_split"] = {name: aggregate(rs, splits=False) for name, rs in sorted(by_split.items())}
    summary["refusal_curve"] = m.refusal_curve(rows)
    return summary


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def run_suite(target: Target, cases: list[Case], judge: Judge, corpus_dir: Path, progress: bool) -> dict[str, Any]:
    """Answer and score every case; the report's data."""
    from tqdm import tqdm

    rows = [
        score_case(c, target.run(c), judge, corpus_dir) for c in tqdm(cases, desc=target.name, disable=not progress)
    ]
    return {"target": target.name, "summary": aggregate(rows), "cases": rows}


def below_thresholds(summary: dict[str, Any], thresholds: dict[str, float]) -> list[str]:
    """The metrics under their minimum, as readable lines."""
    return [
        f"{name} {summary.get(name)} < {minimum}"
        for name, minimum in thresholds.items()
        if summary.get(name) is None or summary[name] < minimum
    ]


def versions() -> dict[str, str]:
    """Versions of what produced the numbers."""
    out = {"python": platform.python_version()}
    for package in ("newsdesk-qa", "llama-index-core", "chromadb", "onnxruntime"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[package] = metadata.version(package)
    return out


def main(args: Any) -> int:
    """Entry point of ``rag eval`` (arguments parsed by rag.cli)."""
    from evals.report import write_reports
    from rag.settings import AnswererChoice, Settings

    settings = Settings()
    if args.mode:
        settings = settings.model_copy(update={"answerer": AnswererChoice(args.mode)})
    from rag import Assistant
    from rag.components import build_components

    components = build_components(settings)
    assistant = None if args.url else Assistant(settings, components)
    embedding = components.embedding
    judge = build_judge(args.judge, settings, embedding)
    report: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "suite": str(args.suite),
        "subset": "fast" if args.fast else f"first {args.limit}" if args.limit else "all",
        "judge": args.judge,
        "config": settings.model_dump(mode="json", exclude={"api_key", "llm_api_key"}),
        "versions": versions(),
    }
    if args.check_judge:
        report["judge_check"] = check_judge(judge, Path(args.check_judge))
    if args.quotes:
        from evals.quotes import score_corpus

        corpus = assistant.corpus_dir if assistant else settings.corpus_dir
        report["quotes"] = score_corpus(corpus, Path(args.quotes))
        held_out = Path(args.quotes).with_name(Path(args.quotes).stem + "_heldout.jsonl")
        if held_out.is_file():  # articles written and labelled after the extractor was tuned
            report["quotes_heldout"] = score_corpus(held_out.with_suffix(""), held_out)
    cases = load_suite(Path(args.suite))
    if args.split != "all":
        cases = [c for c in cases if c.split == args.split]
    cases = fast_subset(cases) if args.fast else cases[: args.limit or None]
    # Drafts from feedback (`rag feedback export`) are scored once a person has filled their key facts.
    to_label = [c for c in cases if not c.key_facts and not c.must_refuse]
    if to_label:
        print(f"{len(to_label)} cases to label (no key_facts yet, not scored): {', '.join(c.id for c in to_label)}")
        cases = [c for c in cases if c not in to_label]
        if not cases:
            return 0
    corpus_dir = assistant.corpus_dir if assistant else settings.corpus_dir
    target: Target = (
        UrlTarget(args.url, settings.api_key.get_secret_value() if settings.api_key else None)
        if args.url
        else AssistantTarget(assistant)
    )
    report["run"] = run_suite(target, cases, judge, corpus_dir, progress=sys.stderr.isatty())
    if args.baseline:
        baseline = BaselineTarget(corpus_dir, embedding, settings.top_k)
        report["baseline"] = run_suite(baseline, cases, judge, corpus_dir, progress=sys.stderr.isatty())
    if args.compare:
        report["compare"] = json.loads((Path(args.compare) / "report.json").read_text("utf-8"))["run"]["summary"]
    mode = assistant.mode if assistant else answerer_mode(report["run"]["cases"])
    thresholds = load_thresholds(Path(args.suite), args.fast, mode)
    report["thresholds"] = thresholds
    failed = below_thresholds(gated_summary(report["run"]["summary"], args), thresholds)
    for part in ("quotes", "quotes_heldout"):
        if part in report:
            failed += below_thresholds(report[part], threshold_section(Path(args.suite), part))
    report["failed_thresholds"] = failed
    out = Path(args.out or f"reports/{datetime.now().strftime('%Y-%m-%d-%H%M%S')}")
    write_reports(report, out)
    print_summary(report, out)
    return 1 if failed else 0


def gated_summary(summary: dict[str, Any], args: Any) -> dict[str, Any]:
    """What the thresholds apply to: the test split of a full run (dev is tuned on), else what ran."""
    if args.fast or args.split != "all" or args.limit:
        return summary
    return dict(summary.get("by_split", {}).get("test", summary))


def print_summary(report: dict[str, Any], out: Path) -> None:
    """The headline table on stdout."""
    rows = [("run", report["run"])] + ([("baseline", report["baseline"])] if "baseline" in report else [])
    names = [*m.HEADLINE, "correct_refusal", "refusal_recall", "latency_p50_ms", "answer_words_median"]
    print("| target | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for _, run in rows:
        parts = [(run["target"], run["summary"])]
        if len(run["summary"].get("by_split", {})) > 1:
            parts += [(f"{run['target']}, {split_label(k)}", v) for k, v in run["summary"]["by_split"].items()]
        for label, s in parts:
            print(f"| {label} | " + " | ".join("–" if s.get(n) is None else f"{s[n]}" for n in names) + " |")
    if "judge_check" in report:
        jc = report["judge_check"]
        print(
            f"judge check: accuracy {jc['accuracy']}, corruptions caught {jc['corruptions_caught']}, "
            f"by kind {jc['by_kind']}"
        )
    for part, name in (("quotes", "quotes (seeds)"), ("quotes_heldout", "quotes (held out)")):
        if part in report:
            q = report[part]
            print(
                f"{name}: {q['found']} found for {q['labels']} labelled; speaker precision {q['speaker_precision']}, "
                f"recall {q['speaker_recall']}, span overlap {q['span_overlap']}, kind accuracy "
                f"{q['kind_accuracy']}, chain precision {q['chain_precision']}, recall {q['chain_recall']}"
            )
    if not report["thresholds"]:
        print("no thresholds for this suite and answerer: nothing gated")
    for line in report["failed_thresholds"]:
        print(f"BELOW THRESHOLD: {line}")
    print(f"reports written to {out}/ (report.json, report.md, report.html)")
