"""Judges for the evals: the offline heuristic one (rag.answering.judge) and an LLM-as-judge; and the judge check."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from llama_index.core.llms import ChatMessage, MessageRole

from rag.answering.judge import HeuristicJudge, Judge, Verdict, word_overlap

VERDICT_PROMPT = """Passages:
{passages}

Claim: {claim}

Do the passages state or directly imply everything in the claim (names, numbers, who said what)?
Answer with one word: yes or no."""

CLAIMS_PROMPT = """Split this answer into short, self-contained factual claims, one per line, nothing else.

Answer: {answer}"""


class LlmJudge:
    """An OpenAI-compatible model as judge: one yes/no verdict per claim."""

    def __init__(self, client: Any):
        self.client = client  # rag.components.llm.LlmClient

    def judge(self, claim: str, passages: list[str]) -> Verdict:
        if not passages:
            return Verdict(False, 0.0, "no citation")
        prompt = VERDICT_PROMPT.format(passages="\n---\n".join(passages), claim=claim)
        reply = self.client.complete([ChatMessage(role=MessageRole.USER, content=prompt)]).strip().lower()
        supported = reply.startswith("yes")
        return Verdict(supported, float(supported), None if supported else f"judge said: {reply[:60]}")

    def similarity(self, claim: str, sentences: list[str]) -> list[float]:
        """Word overlap (no embedder here; the model is asked for verdicts only)."""
        return word_overlap(claim, sentences)

    def claims(self, answer: str) -> list[str]:
        """Claims extracted by the model (its sentences when it returns none)."""
        reply = self.client.complete([ChatMessage(role=MessageRole.USER, content=CLAIMS_PROMPT.format(answer=answer))])
        lines = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip() for line in reply.splitlines()]
        return [line for line in lines if len(line.split()) >= 3] or sentence_claims(answer)


def sentence_claims(answer: str) -> list[str]:
    """The heuristic claim extraction: one claim per sentence."""
    from evals.metrics import statements

    return [text for text, _ in statements(answer)]


def claims_of(judge: Judge, answer: str) -> list[str]:
    """The answer's claims as the judge extracts them."""
    return judge.claims(answer) if isinstance(judge, LlmJudge) else sentence_claims(answer)


def build_judge(kind: str, settings: Any, embedding: Any) -> Judge:
    """``heuristic`` (offline) or ``llm`` (needs RAG_LLM_BASE_URL or OPENAI_API_KEY)."""
    if kind == "heuristic":
        return HeuristicJudge(embedding, settings.support_similarity)
    if not settings.use_llm() and not settings.llm_base_url:
        raise SystemExit("--judge llm needs RAG_LLM_BASE_URL or OPENAI_API_KEY")
    from rag.components import build_components
    from rag.components.llm import LlmClient
    from rag.settings import AnswererChoice

    llm = build_components(settings.model_copy(update={"answerer": AnswererChoice.llm})).llm
    assert llm is not None
    return LlmJudge(LlmClient(llm, settings))


def check_judge(judge: Judge, path: Path) -> dict[str, Any]:
    """The judge's accuracy on answers with known verdicts, and what it misses, by kind."""
    by_kind: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        verdict = judge.judge(item["claim"], item["passages"])
        right = verdict.supported == item["supported"]
        by_kind[item["kind"]].append(right)
        if not right:
            misses.append({"id": item["id"], "kind": item["kind"], "claim": item["claim"], "said": verdict.supported})
    total = [r for rights in by_kind.values() for r in rights]
    corrupted = [r for kind, rights in by_kind.items() if kind != "faithful" for r in rights]
    return {
        "accuracy": round(sum(total) / len(total), 4),
        "faithful_accepted": round(sum(by_kind["faithful"]) / max(1, len(by_kind["faithful"])), 4),
        "corruptions_caught": round(sum(corrupted) / max(1, len(corrupted)), 4),
        "by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_kind.items())},
        "misses": misses,
    }
