"""Fit the answerability model on the golden suite's dev split: ``python -m evals.calibrate``.

For every dev case, the question (a follow-up rewritten by rule, as the extractive
assistant does) is retrieved and scored; the features of its best-scored sentence,
labelled answerable or not (``must_refuse``), fit a logistic regression. Then the whole
decision (which picks, of the top few sentences, the one the model rates highest) runs
again with those weights, and the threshold is the one that makes the most right
decisions on dev while refusing at most 5% of the answerable questions. Cases refused before the model is asked
(an unknown name, nothing similar enough) are left out of the fit. Writes
``rag/answering/answerability.json``; only the dev split is read, so the test split stays a measurement.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from evals.runner import load_suite
from rag.answering.answerability import FEATURES, WEIGHTS_PATH, AnswerabilityModel, fit_logistic
from rag.answering.followups import condense_by_rule

MAX_FALSE_REFUSALS = 0.05


def dev_features(assistant: Any, suite: Path, rerank: int | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Feature rows, labels (1 = answerable) and case ids of the dev cases the model decides."""
    rows, labels, ids = [], [], []
    for case in load_suite(suite):
        if case.split != "dev":
            continue
        query = condense_by_rule(case.question, case.history) or case.question
        hits, _ = assistant.retriever.retrieve(query, assistant.settings.top_k)
        decision = assistant.answerer.decide(query, hits, assistant.retriever.speller, rerank=rerank).decision
        if not decision.features:  # refused before the model: unknown name or low similarity
            continue
        rows.append([decision.features[f] for f in FEATURES])
        labels.append(0.0 if case.must_refuse else 1.0)
        ids.append(case.id)
    return np.asarray(rows), np.asarray(labels), ids


def choose_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold with the most right decisions among those refusing ≤ 5% of answerable cases;
    of equals, the lowest (a test split refused answerable questions more often than dev did)."""
    scored = []
    for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
        false_refusals = float(np.mean(p[y == 1] < t)) if (y == 1).any() else 0.0
        if false_refusals <= MAX_FALSE_REFUSALS:
            scored.append((float(np.mean((p >= t) == (y == 1))), float(t)))
    if not scored:
        return 0.5
    best = max(a for a, _ in scored)
    return min(t for a, t in scored if a == best)


def main() -> None:
    """Fit, print what was measured on dev, write the weights."""
    from rag import Assistant, Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=Path("evals/golden.jsonl"))
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args()
    assistant = Assistant(Settings(answerer="extractive"))
    x, y, ids = dev_features(assistant, args.suite, rerank=1)
    w, b = fit_logistic(x, y)
    assistant.answerer.model = AnswerabilityModel(dict(zip(FEATURES, map(float, w))), float(b), 0.0)
    x, y, ids = dev_features(assistant, args.suite, rerank=None)  # the whole decision, with these weights
    p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
    threshold = choose_threshold(p, y)
    for t in np.round(np.arange(0.1, 0.91, 0.05), 2):
        print(
            f"  at {t:.2f}: refuses {np.mean(p[y == 0] < t):.2f} of the unanswerable, "
            f"{np.mean(p[y == 1] < t):.2f} of the answerable"
        )
    right = (p >= threshold) == (y == 1)
    print(f"dev cases decided by the model: {len(y)} ({int(y.sum())} answerable, {int(len(y) - y.sum())} not)")
    print(f"threshold {threshold}: {int(right.sum())}/{len(y)} right on dev")
    for case_id, pi, yi in zip(ids, p, y):
        if (pi >= threshold) != (yi == 1):
            print(f"  wrong on dev: {case_id} p={pi:.2f} answerable={bool(yi)}")
    data = {
        "_comment": "Written by `python -m evals.calibrate` (logistic regression on the golden dev split).",
        "weights": {f: round(float(v), 4) for f, v in zip(FEATURES, w)},
        "bias": round(float(b), 4),
        "threshold": threshold,
        "fitted": {"cases": len(y), "answerable": int(y.sum()), "dev_accuracy": round(float(right.mean()), 4)},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n", "utf-8")
    print(f"wrote {args.out}: {json.dumps(data['weights'])} bias {data['bias']}")


if __name__ == "__main__":
    main()
