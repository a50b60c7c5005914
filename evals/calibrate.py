"""Fit the answerability model on the golden suite's dev split: ``python -m evals.calibrate``.

For every dev case, the question (made standalone, as the assistant does) is retrieved and
its top candidate sentences are scored. Each candidate is one row: its features, labelled 1
when the sentence holds one of the case's key facts (0 for every candidate of a question the
articles do not answer); sentences that lack a required feature are left out, as the model
rates them 0 anyway. A logistic regression over the rows rates how likely a sentence is to
answer a question. Then the whole decision (the likeliest candidate leads; the question is
answered when its probability reaches the threshold) runs again with those weights, and the
threshold is the one that makes the most right decisions on dev while refusing at most 5% of
the answerable questions. Cases refused before the model is asked (an unknown name, nothing
similar enough) are left out. Writes ``rag/components/answerability.json``; only the dev split
is read, so the test split stays a measurement.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from evals.metrics import key_fact_recall
from evals.runner import load_suite
from evals.targets import FIT_SPLITS, READER_FIT_SPLITS, fit_splits, fitting_cases
from rag.answering.answerability import FEATURES
from rag.answering.hit_sentences import raw_text
from rag.components.answerability_model import REQUIRED, WEIGHTS_PATH, AnswerabilityModel, fit_logistic

MAX_FALSE_REFUSALS = 0.05


def _plans(assistant: Any, suite: Path, splits: tuple[str, ...]) -> list[tuple[Any, Any]]:
    plans = []
    for case in fitting_cases(load_suite(suite), splits):
        read = assistant.read(case.question, case.history)  # the stages of Assistant.ask, up to decide
        plan = assistant.decider.decide(read, assistant.hits_for(read, assistant.settings.top_k))
        if plan.decision.features:  # else refused before the model: unknown name or low similarity
            plans.append((case, plan))
    return plans


def sentence_rows(assistant: Any, suite: Path, splits: tuple[str, ...] = FIT_SPLITS) -> tuple[np.ndarray, np.ndarray]:
    """One row per candidate sentence of each dev case; 1 = the sentence holds a key fact."""
    rows, labels = [], []
    for case, plan in _plans(assistant, suite, splits):
        for c in plan.ranked:
            if c.features is None or not all(c.features[f] for f in REQUIRED):
                continue  # the model gives these 0 whatever the weights
            answers = not case.must_refuse and (key_fact_recall(raw_text(c.hit, c.index), case.key_facts) or 0) > 0
            rows.append([c.features[f] for f in FEATURES])
            labels.append(1.0 if answers else 0.0)
    return np.asarray(rows), np.asarray(labels)


def case_decisions(
    assistant: Any, suite: Path, splits: tuple[str, ...] = FIT_SPLITS
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per dev case: the probability of the sentence that would lead, whether it is answerable, its id."""
    p, y, ids = [], [], []
    for case, plan in _plans(assistant, suite, splits):
        p.append(plan.decision.confidence)
        y.append(0.0 if case.must_refuse else 1.0)
        ids.append(case.id)
    return np.asarray(p), np.asarray(y), ids


def choose_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold with the most right decisions among those refusing ≤ 5% of answerable cases;
    of equals, the lowest (a test split refused answerable questions more often than dev did)."""
    scored = []
    for t in np.round(np.arange(0.02, 0.96, 0.01), 2):
        false_refusals = float(np.mean(p[y == 1] < t)) if (y == 1).any() else 0.0
        if false_refusals <= MAX_FALSE_REFUSALS:
            scored.append((float(np.mean((p >= t) == (y == 1))), float(t)))
    if not scored:
        return 0.5
    best = max(a for a, _ in scored)
    return min(t for a, t in scored if a == best)


class OutOfFold:
    """The reader's interface, answering each dev question with the scores of a reader adapted on
    the other half of dev only (written by ``python -m evals.train_reader``): the shipped reader
    has seen every dev question, so constants fitted on its dev scores would be fitted to itself."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise SystemExit(f"{path} is missing: `make train-reader` writes it (the scores of the dev halves)")
        self._folds = json.loads(path.read_text("utf-8"))
        self._table: dict[str, float] = {}

    def use(self, case_id: str) -> OutOfFold:
        group = self._folds.get(case_id, {"sentences": [], "scores": []})
        self._table = dict(zip(group["sentences"], group["scores"]))
        return self

    def scores(self, kind: str, question: str, sentences: list[str]) -> np.ndarray:
        missing = [s for s in sentences if s not in self._table]
        if missing:
            raise Unscored(missing[0])
        return np.asarray([self._table[s] for s in sentences], dtype=np.float32)


class Unscored(LookupError):
    """A sentence the training script gave no out-of-fold score."""


READER_TOPS = (0, 2, 4, 12)  # the reader's pools the grid tries (0: the answerability model alone)


def reader_grid(assistant: Any, suite: Path, scores: Path, splits: tuple[str, ...] = READER_FIT_SPLITS) -> None:
    """Key-fact recall and answer length on dev for each choice of the reader's pool and unsure
    margin (:data:`rag.answering.decision.READER_TOP`, :data:`~rag.answering.decision.UNSURE_MARGIN`),
    with out-of-fold reader scores (:class:`OutOfFold`); the "model" row is the answerability
    model's lead without the reader. The constants are set from this table, by hand, to the best
    recall with a median answer of at most 50 words."""
    import statistics

    from rag.answering import decision
    from rag.answering.extractive import UNSURE

    folds = OutOfFold(scores)
    cases = [c for c in load_suite(suite) if c.split in splits and c.key_facts and not c.must_refuse]
    # A follow-up searched again with the previous question (rag.answering.conversation) reads
    # sentences the training script never scored: those cases are left out of every row.
    scored = []
    decision.READER_TOP = max(READER_TOPS)  # the widest row reads the most sentences
    for c in cases:
        assistant.decider._reader = lambda c=c: folds.use(c.id)
        try:
            assistant.ask(c.question, c.history)
            scored.append(c)
        except Unscored:
            pass
    print(f"{len(scored)} of {len(cases)} answerable cases (the others read sentences without a score)")
    cases = scored
    print("reader top margin | dev key facts | median words | unsure answers")
    for top in READER_TOPS:
        for margin in (0.0, 0.05, 0.1, 0.15, 0.2) if top else (0.0,):
            decision.READER_TOP, decision.UNSURE_MARGIN = top, margin
            answers = []
            for c in cases:
                assistant.decider._reader = lambda c=c, top=top: folds.use(c.id) if top else None
                answers.append(assistant.ask(c.question, c.history))
            recall = statistics.mean(key_fact_recall(a.answer, c.key_facts) or 0.0 for a, c in zip(answers, cases))
            words = statistics.median(len(a.answer.split()) for a in answers if not a.abstained)
            unsure = sum(a.answer.startswith(UNSURE) for a in answers)
            print(f"{top or 'model':>10} {margin:6.2f} | {recall:13.3f} | {words:12.1f} | {unsure}")


def main() -> None:
    """Fit, print what was measured on dev, write the weights."""
    from rag import Assistant, Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=Path("evals/golden.jsonl"))
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    parser.add_argument(
        "--reader-grid",
        type=Path,
        nargs="?",
        const=Path("build/reader-dev-out-of-fold.json"),
        help="only print the dev grid of the reader's choice, with these out-of-fold scores",
    )
    parser.add_argument(
        "--fit-splits",
        type=fit_splits,
        help="the golden splits fitted on, comma-separated (default: dev; the reader's pool for --reader-grid)",
    )
    args = parser.parse_args()
    assistant = Assistant(Settings(answerer="extractive"))
    if args.reader_grid:
        reader_grid(assistant, args.suite, args.reader_grid, args.fit_splits or READER_FIT_SPLITS)
        return
    splits = args.fit_splits or FIT_SPLITS
    x, labels = sentence_rows(assistant, args.suite, splits)
    w, b = fit_logistic(x, labels)
    print(f"fitted on {len(labels)} candidate sentences of dev, {int(labels.sum())} holding a key fact")
    assistant.decider.model = AnswerabilityModel(dict(zip(FEATURES, map(float, w))), float(b), 0.0)
    p, y, ids = case_decisions(assistant, args.suite, splits)  # the whole decision, with these weights
    threshold = choose_threshold(p, y)
    for t in np.round(np.arange(0.05, 0.91, 0.05), 2):
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
        "fitted": {
            "splits": list(splits),
            "sentences": len(labels),
            "cases": len(y),
            "answerable": int(y.sum()),
            "dev_accuracy": round(float(right.mean()), 4),
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n", "utf-8")
    print(f"wrote {args.out}: {json.dumps(data['weights'])} bias {data['bias']}")


if __name__ == "__main__":
    main()
