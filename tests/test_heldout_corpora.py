"""The held-out corpora: articles on other subjects than the seeds, with questions written before
anything ran on them. Nothing the product fits (answerability model, reader, constants) was made
from them, so they say how the answers carry to articles nobody tuned for."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from helpers import ROOT, make_settings

from evals.runner import below_thresholds, load_suite, load_thresholds, run_suite
from evals.targets import AssistantTarget
from rag import Assistant
from rag.answering.judge import HeuristicJudge
from rag.indexing.ingest import ingest

EVALS = ROOT / "evals"
SUITES = sorted(p.name.removesuffix("_corpus") for p in EVALS.glob("heldout*_corpus"))  # <name>.jsonl over it


def test_the_twelve_heldout_corpora_are_found() -> None:
    names = ["heldout"] + [f"heldout{n}" for n in range(2, 13)]
    assert sorted(names) == SUITES


@pytest.mark.parametrize("name", SUITES)
def test_heldout_suite_is_well_formed(name: str) -> None:
    cases = load_suite(EVALS / f"{name}.jsonl")
    corpus = EVALS / f"{name}_corpus"
    kinds = Counter(c.category for c in cases)
    assert len(cases) >= 40 and kinds["paraphrase"] >= 15 and kinds["unanswerable_known"] >= 10, kinds
    assert kinds["follow_up"] >= 5 and kinds["quote"] >= 5, kinds
    assert all(c.history for c in cases if c.category == "follow_up")
    golden = {c.question for c in load_suite(EVALS / "golden.jsonl")}
    for case in cases:
        assert case.split == name and case.question not in golden, case.id
        assert case.must_refuse or (case.key_facts and case.expected_sources), case.id
        text = " ".join((corpus / s).read_text("utf-8") for s in case.expected_sources).lower()
        for fact in case.key_facts:  # every key fact is in the article it is expected from
            assert any(phrasing.lower() in text for phrasing in fact), (case.id, fact)


@pytest.mark.parametrize("name", SUITES)
def test_heldout_corpus_meets_its_thresholds(name: str, tmp_path: Path) -> None:
    """The whole suite over its own index, against thresholds set just below what was measured."""
    settings = make_settings(EVALS / f"{name}_corpus", tmp_path / "index")
    assert len(ingest(settings).added) == 3
    assistant = Assistant(settings)
    suite = EVALS / f"{name}.jsonl"
    judge = HeuristicJudge(assistant.embedding, assistant.settings.support_similarity)
    summary = run_suite(AssistantTarget(assistant), load_suite(suite), judge, settings.corpus_dir, False)["summary"]
    thresholds = load_thresholds(suite)
    assert set(thresholds) >= {"key_fact_recall", "correct_refusal", "citation_validity"}
    assert below_thresholds(summary, thresholds) == [], summary
