"""The eval harness: each metric on hand-made inputs, the judge check, the targets, the
reports, and the CI subset of the golden suite against its measured thresholds."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from helpers import ROOT, SEEDS, run_cli

from evals import metrics as m
from evals.judges import LlmJudge, check_judge
from evals.report import markdown, regressions
from evals.runner import aggregate, below_thresholds, fast_subset, load_suite, load_thresholds, run_suite, score_case
from evals.targets import (
    FIT_SPLITS,
    READER_FIT_SPLITS,
    AssistantTarget,
    BaselineTarget,
    Case,
    Reply,
    UrlTarget,
    fit_splits,
    split_label,
)
from rag import Settings
from rag.answering.judge import HeuristicJudge, Verdict, word_overlap
from rag.contract import Answer, Citation

GOLDEN = ROOT / "evals" / "golden.jsonl"
JUDGE_CHECK = ROOT / "evals" / "judge_check.jsonl"


class WordsJudge:
    """Supported when every word of the claim is in the passages: makes ALCE's logic checkable by hand."""

    def judge(self, claim: str, passages: list[str]) -> Verdict:
        words = set(" ".join(passages).lower().split())
        ok = bool(passages) and set(claim.lower().split()) <= words
        return Verdict(ok, float(ok))

    def similarity(self, claim: str, sentences: list[str]) -> list[float]:
        return word_overlap(claim, sentences)


# --- metrics on hand-made inputs -------------------------------------------------------


def test_key_fact_recall_counts_groups_and_folds_quotes_and_case() -> None:
    facts = [["eight wars", "8 wars"], ["“honorable surrender”"], ["Anchorage"]]
    assert m.key_fact_recall('He ended 8 WARS and asked for an "honorable  surrender".', facts) == pytest.approx(2 / 3)
    assert m.key_fact_recall("nothing", facts) == 0.0
    assert m.key_fact_recall("anything", []) is None


def test_hit_at_k_and_reciprocal_rank() -> None:
    assert m.hit_at_k(["a", "b", "c"], ["c"]) == 1.0
    assert m.hit_at_k(["a", "b"], ["c"]) == 0.0
    assert m.reciprocal_rank(["a", "b", "c"], ["c", "b"]) == 0.5
    assert m.reciprocal_rank(["a"], ["z"]) == 0.0
    assert m.hit_at_k(["a"], []) is None and m.reciprocal_rank(["a"], []) is None


def test_context_recall_looks_in_all_retrieved_text() -> None:
    assert m.context_recall(["Trump met Putin", "in Anchorage on Aug. 15"], [["Anchorage"], ["Aug. 15"]]) == 1.0
    assert m.context_recall(["Trump met Putin"], [["Anchorage"], ["Putin"]]) == 0.5


def test_citation_validity_compares_quote_with_the_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Héllo wörld. Second sentence.", "utf-8")
    good = Citation(id=1, source="a.txt", start=13, end=29, quote="Second sentence.", score=1)
    shifted = Citation(id=2, source="a.txt", start=12, end=28, quote="Second sentence.", score=1)
    missing = Citation(id=3, source="gone.txt", start=0, end=5, quote="Héllo", score=1)
    assert m.citation_validity([good], tmp_path) == 1.0
    assert m.citation_validity([good, shifted, missing], tmp_path) == pytest.approx(1 / 3)
    assert m.citation_validity([], tmp_path) is None


def test_statements_split_sentences_and_collect_markers() -> None:
    answer = "Trump met Putin on Aug. 15 [1][2]. “A deal. Soon,” Witkoff said [3]. Putin agreed [unsupported]."
    assert m.statements(answer) == [
        ("Trump met Putin on Aug. 15.", [1, 2]),
        ("“A deal. Soon,” Witkoff said.", [3]),  # a quotation of two sentences is one statement
        ("Putin agreed.", []),
    ]
    assert m.statements("") == []


def test_alce_citation_recall_and_precision_by_hand() -> None:
    quotes = {1: "trump met putin", 2: "in alaska", 3: "unrelated text here"}
    stated = [
        ("trump met putin", [1, 3]),  # supported by [1] alone: [3] is irrelevant
        ("putin in alaska", [1, 2]),  # needs both: both relevant
        ("witkoff spoke", [2]),  # unsupported
        ("trump met", []),  # no citation: unsupported
    ]
    recall, precision = m.citation_recall_precision(stated, quotes, WordsJudge())
    assert recall == 0.5
    assert precision == pytest.approx(1 - 1 / 5)  # 5 citations, [3] of the first statement irrelevant
    # a marker pointing at no passage counts as an irrelevant citation
    assert m.citation_recall_precision([("trump met putin", [1, 9])], quotes, WordsJudge()) == (1.0, 0.5)
    assert m.citation_recall_precision([], quotes, WordsJudge()) == (None, None)


def test_faithfulness_is_the_share_of_supported_claims() -> None:
    contexts = ["trump met putin in alaska"]
    assert m.faithfulness(["trump met putin", "putin won"], contexts, WordsJudge()) == 0.5
    assert m.faithfulness([], contexts, WordsJudge()) is None


def test_abstention_precision_and_recall() -> None:
    # (must_refuse, refused)
    pairs = [(True, True), (True, False), (False, True), (False, False), (False, False)]
    assert m.abstention_scores(pairs) == (0.5, 0.5)
    assert m.abstention_scores([(False, False)]) == (None, None)


def test_percentile_and_mean() -> None:
    values = [float(v) for v in range(1, 101)]
    assert m.percentile(values, 0.5) == 50.5  # the median of 1..100
    assert m.percentile(values, 0.95) == 95.05
    assert m.percentile([7.0], 0.99) == 7.0
    assert m.percentile([], 0.5) is None
    assert m.mean([1.0, None, 3.0]) == 2.0 and m.mean([None]) is None


def test_refusal_curve_trades_refusals_for_coverage() -> None:
    rows = [
        {"must_refuse": True, "refusal_reason": "not_addressed", "confidence": 0.3},
        {"must_refuse": True, "refusal_reason": "unknown_name", "confidence": 0.0},
        {"must_refuse": False, "refusal_reason": None, "confidence": 0.8},
        {"must_refuse": False, "refusal_reason": None, "confidence": 0.5},
    ]
    curve = {p["threshold"]: p for p in m.refusal_curve(rows, steps=10)}
    assert curve[0.0] == {"threshold": 0.0, "refusal_recall": 0.5, "coverage": 1.0}  # hard refusals hold
    assert curve[0.4] == {"threshold": 0.4, "refusal_recall": 1.0, "coverage": 1.0}
    assert curve[0.6]["coverage"] == 0.5 and curve[1.0]["coverage"] == 0.0


# --- suites, thresholds, reports ---------------------------------------------------------


def test_measured_splits_are_never_fitted_on() -> None:
    """test, test2, test7 to test10 are what the closing notes report: no shipped model fits them."""
    assert not {"test", "test2", "test7", "test8", "test9", "test10"} & (set(FIT_SPLITS) | set(READER_FIT_SPLITS))
    assert fit_splits(" dev, test3 ,") == ("dev", "test3")
    assert split_label("test4") == "test4 (fitted on)" and split_label("test8") == "test8"


def test_suites_are_well_formed_and_split() -> None:
    golden = load_suite(GOLDEN)
    assert len(golden) >= 130
    seeds = {p.name for p in SEEDS.iterdir()}
    for case in golden:
        assert set(case.expected_sources) <= seeds, case.id
        assert case.must_refuse or (case.key_facts and case.expected_sources), case.id
        assert case.split in ("dev", "test", *(f"test{n}" for n in range(2, 11))), case.id
    assert {p.name for p in SEEDS.iterdir()} <= {s for c in golden for s in c.expected_sources}
    assert len({c.question for c in golden}) == len(golden), "a question is in the suite twice"
    # The categories, each with enough cases, in both splits.
    minimum = {"unanswerable_known": 15, "paraphrase": 10, "adjacent": 6, "multi_article": 6, "follow_up": 6}
    for category in ["single_fact", "quote", "number_date", "out_of_corpus", "false_premise", *minimum]:
        cases = [c for c in golden if c.category == category]
        assert len(cases) >= minimum.get(category, 1), category
        assert {c.split for c in cases} >= {"dev", "test"}, category
    assert all(c.history for c in golden if c.category == "follow_up")
    # test2: written from the articles before anything ran on them (issue 26), never tuned on.
    test2 = Counter(c.category for c in golden if c.split == "test2")
    assert sum(test2.values()) >= 40, test2
    assert test2["paraphrase"] >= 15 and test2["unanswerable_known"] >= 10, test2
    assert test2["follow_up"] >= 5 and test2["quote"] >= 5, test2
    # test3: the same, written in the next session (test2 had been read by then).
    test3 = Counter(c.category for c in golden if c.split == "test3")
    assert sum(test3.values()) >= 40 and test3["unanswerable_known"] >= 10 and test3["follow_up"] >= 4, test3
    # test4: the same again, in the session after (test3 had been read case by case by then).
    test4 = Counter(c.category for c in golden if c.split == "test4")
    assert sum(test4.values()) >= 40 and test4["paraphrase"] >= 15 and test4["unanswerable_known"] >= 10, test4
    assert test4["follow_up"] >= 5 and test4["quote"] >= 5, test4
    # test5: conversations (issue 26, sixth session): follow-ups that need the earlier turn, some
    # the articles do not answer, and standalone questions asked after an unrelated turn.
    test5 = [c for c in golden if c.split == "test5"]
    assert len(test5) >= 30 and all(c.history for c in test5), len(test5)
    follow_ups = [c for c in test5 if c.category == "follow_up"]
    assert len(follow_ups) >= 20 and sum(c.must_refuse for c in follow_ups) >= 4, len(follow_ups)
    # test6: conversations again (seventh session), once test5 had been read case by case; and
    # dev's own conversations (dv-fu-), so that what a follow-up does can be fitted on dev.
    test6 = [c for c in golden if c.split == "test6"]
    assert len(test6) >= 20 and all(c.history for c in test6) and sum(c.must_refuse for c in test6) >= 6, len(test6)
    # test7: every kind again (eighth session), written before anything ran on it, once test6 had
    # been read case by case.
    test7 = Counter(c.category for c in golden if c.split == "test7")
    assert sum(test7.values()) >= 50 and test7["paraphrase"] >= 15 and test7["unanswerable_known"] >= 10, test7
    assert test7["follow_up"] >= 5 and test7["quote"] >= 5, test7
    # test8: every kind again (ninth session), written before anything ran on it.
    test8 = [c for c in golden if c.split == "test8"]
    kinds = Counter(c.category for c in test8)
    assert len(test8) >= 40 and kinds["paraphrase"] >= 15 and kinds["unanswerable_known"] >= 10, kinds
    assert kinds["follow_up"] >= 5 and kinds["quote"] >= 5 and sum(c.must_refuse for c in test8) >= 12, kinds
    # test9: every kind again (seventeenth session), written before anything ran on it.
    test9 = [c for c in golden if c.split == "test9"]
    kinds = Counter(c.category for c in test9)
    assert len(test9) >= 40 and kinds["paraphrase"] >= 15 and kinds["unanswerable_known"] >= 10, kinds
    assert kinds["follow_up"] >= 5 and kinds["quote"] >= 5 and sum(c.must_refuse for c in test9) >= 12, kinds
    # test10: conversations above all (eighteenth session), written before anything ran on it.
    test10 = [c for c in golden if c.split == "test10"]
    kinds = Counter(c.category for c in test10)
    assert len(test10) >= 30 and kinds["follow_up"] >= 20 and sum(c.must_refuse for c in test10) >= 8, kinds
    assert sum(c.must_refuse for c in test10 if c.category == "follow_up") >= 5, kinds
    dev_conversations = [c for c in golden if c.split == "dev" and c.id.startswith("dv-fu-")]
    assert len(dev_conversations) >= 20 and sum(c.must_refuse for c in dev_conversations) >= 6


def test_fast_subset_is_stratified_and_fixed() -> None:
    golden = load_suite(GOLDEN)
    subset = fast_subset(golden)
    assert len(subset) == 22
    assert {c.category for c in subset} == {c.category for c in golden}
    assert [c.id for c in fast_subset(golden)] == [c.id for c in subset]


def test_below_thresholds_names_what_failed() -> None:
    assert below_thresholds({"a": 0.9, "b": None}, {"a": 0.8}) == []
    assert below_thresholds({"a": 0.7, "b": None}, {"a": 0.8, "b": 0.1}) == ["a 0.7 < 0.8", "b None < 0.1"]


def _row(case_id: str, recall: float) -> dict[str, object]:
    case = Case(id=case_id, category="single_fact", question="q?", expected_sources=["x.txt"], key_facts=[["y"]])
    answer = Answer(question="q?", answer="y [1]." if recall else "nothing.", abstained=False, mode="extractive")
    row = score_case(case, Reply(answer, [("x.txt", "y")], 5.0), WordsJudge(), Path("."))
    return row


def test_report_puts_the_worst_case_first_and_flags_regressions() -> None:
    rows = [_row("good", 1.0), _row("bad", 0.0)]
    summary = aggregate(rows)
    assert summary["key_fact_recall"] == 0.5 and summary["cases"] == 2
    report = {
        "suite": "s.jsonl",
        "created": "now",
        "judge": "words",
        "run": {"target": "t", "summary": summary, "cases": rows},
        "failed_thresholds": [],
    }
    text = markdown(report)
    assert text.index("bad") < text.index("good")
    assert "missing key fact(s): y" in text
    report["compare"] = {**summary, "key_fact_recall": 0.9}
    assert regressions(report) == ["key_fact_recall: 0.900 → 0.500"]
    report["compare"] = {**summary, "key_fact_recall": 0.51}
    assert regressions(report) == []  # within the tolerance


# --- judges ------------------------------------------------------------------------------


def test_heuristic_judge_passes_its_check(assistant) -> None:  # type: ignore[no-untyped-def]
    expected = json.loads((ROOT / "evals" / "golden.thresholds.json").read_text("utf-8"))["judge_check"]
    judge = HeuristicJudge(assistant.embedding, assistant.settings.support_similarity)
    result = check_judge(judge, JUDGE_CHECK)
    assert below_thresholds(result, expected) == [], result["misses"]
    kinds = set(result["by_kind"])
    assert {"faithful", "number", "name", "wrong_speaker", "no_citation", "wrong_article"} <= kinds


def test_llm_judge_prompt_and_verdicts() -> None:
    from rag.components.llm import LlmClient
    from rag.components.scripted_llm import ScriptedLLM

    llm = ScriptedLLM().enqueue("Yes.", "No, the passage says 14.", "- Trump met Putin.\n- It was in Alaska.\n")
    judge = LlmJudge(LlmClient(llm, Settings()))
    assert judge.judge("14 were injured", ["injuring at least 14 people"]).supported
    verdict = judge.judge("41 were injured", ["injuring at least 14 people"])
    assert not verdict.supported and "14" in (verdict.reason or "")
    assert "Claim: 41 were injured" in llm.prompts[1] and "injuring at least 14 people" in llm.prompts[1]
    assert judge.claims("Trump met Putin in Alaska.") == ["Trump met Putin.", "It was in Alaska."]
    assert not judge.judge("anything", []).supported  # no passages: no model call
    assert len(llm.prompts) == 3


# --- targets and the CI subset -----------------------------------------------------------


def test_fast_subset_meets_its_thresholds(assistant) -> None:  # type: ignore[no-untyped-def]
    """The CI gate of the issue: ~15 golden cases, extractive, heuristic judge."""
    thresholds = load_thresholds(GOLDEN, fast=True)
    assert thresholds, "evals/golden.thresholds.json has no 'fast' part"
    judge = HeuristicJudge(assistant.embedding, assistant.settings.support_similarity)
    result = run_suite(AssistantTarget(assistant), fast_subset(load_suite(GOLDEN)), judge, assistant.corpus_dir, False)
    summary = result["summary"]
    assert below_thresholds(summary, thresholds) == [], json.dumps(summary, indent=1)


def test_baseline_target_quotes_its_top_chunk(assistant) -> None:  # type: ignore[no-untyped-def]
    baseline = BaselineTarget(assistant.corpus_dir, assistant.embedding, 5)
    case = load_suite(GOLDEN)[0]
    reply = baseline.run(case)
    assert len(reply.retrieved) == 5
    assert m.citation_validity(reply.answer.citations, assistant.corpus_dir) == 1.0
    assert reply.answer.citations[0].source == reply.retrieved[0][0]


def test_url_target_matches_the_library(server, assistant) -> None:  # type: ignore[no-untyped-def]
    case = next(c for c in load_suite(GOLDEN) if c.category == "follow_up")
    over_http = UrlTarget(server.url).run(case)
    in_process = AssistantTarget(assistant).run(case)
    assert over_http.answer.answer == in_process.answer.answer
    assert [s for s, _ in over_http.retrieved] == [s for s, _ in in_process.retrieved]


def test_rag_eval_writes_reports_and_exits_1_below_thresholds(seed_index: Settings, tmp_path: Path) -> None:
    suite = tmp_path / "mini.jsonl"
    suite.write_text("".join(line + "\n" for line in GOLDEN.read_text("utf-8").splitlines()[:3]), "utf-8")
    env = {"RAG_INDEX_DIR": str(seed_index.index_dir), "RAG_CORPUS_DIR": str(seed_index.corpus_dir)}
    out = tmp_path / "report"
    ok = run_cli("eval", "--suite", str(suite), "--mode", "extractive", "--out", str(out), env=env)
    assert ok.returncode == 0, ok.stderr
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["run"]["summary"]["cases"] == 3 and report["failed_thresholds"] == []
    assert (out / "report.md").read_text("utf-8").count("\n") > 10
    assert "<svg" in (out / "report.html").read_text("utf-8")

    (tmp_path / "mini.thresholds.json").write_text(json.dumps({"full": {"key_fact_recall": 1.01}}), "utf-8")
    failed = run_cli("eval", "--suite", str(suite), "--out", str(tmp_path / "again"), "--compare", str(out), env=env)
    assert failed.returncode == 1
    assert "BELOW THRESHOLD: key_fact_recall" in failed.stdout
