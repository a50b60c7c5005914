"""Does a passage support a sentence? The heuristic judge used to check LLM answers (and by evals).

A sentence is supported by its cited passages when every number (in digits or words),
name and quotation in it appears in them, and it says what they say: its embedding is
close to one of their sentences (cosine over ``threshold``) or most of its content words
are there, and that closest sentence neither negates it nor names another speaker
(:mod:`rag.answering.contradiction`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.answering.contradiction import number_values, polarity_problem, speaker_problem
from rag.contract import DATE_NOTE
from rag.text import STOP_WORDS, normalize

_QUOTED = re.compile(r"[“\"]([^”\"]{12,})[”\"]")
_WORD = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*", re.UNICODE)
_NAME = re.compile(r"\b[A-Z][a-zA-Z’'\-]{2,}")
# Capitalised by grammar, not names (a name that opens a sentence is still checked).
_NOT_NAMES = frozenset(
    "The This That These Those There They Their However But And According Also After Before During While When "
    "Where What Which Who Why How It Its In On At For From With Without Monday Tuesday Wednesday Thursday Friday "
    "Saturday Sunday January February March April May June July August September October November December "
    "Despite Although Though Meanwhile Earlier Later Both Many Some Several Most Other Another Such Yes Not None "
    "His Her Our Your One Two Three Four Five Six Seven Eight Nine Ten First Second Third Last Next Over Under "
    "Since Until Because While Whether If Then Thus Therefore Still Yet Even Only Just Officials Analysts "
    "According Speaking Asked Instead Overall Finally Today Yesterday Tomorrow Here All Any Each Every".split()
)


@dataclass(frozen=True)
class Verdict:
    """A judge's decision on one sentence."""

    supported: bool
    score: float
    reason: str | None = None


class Judge(Protocol):
    """Anything that decides whether ``passages`` support ``claim``, and rates how close a claim
    is to each sentence (the checker uses it to cite the closest sentence and to see whether an
    answer is on topic)."""

    def judge(self, claim: str, passages: list[str]) -> Verdict: ...

    def similarity(self, claim: str, sentences: list[str]) -> list[float]: ...


def word_overlap(claim: str, sentences: list[str]) -> list[float]:
    """Share of ``claim``'s words found in each sentence: a similarity for judges without an embedder."""
    words = set(claim.lower().split())
    return [len(words & set(s.lower().split())) / (len(words) or 1) for s in sentences]


def content_words(text: str) -> set[str]:
    """Lower-cased words of ``text`` that carry meaning (no stop words, possessives folded)."""
    words = {w.lower().replace("’", "'") for w in _WORD.findall(text)}
    return {w[:-2] if w.endswith("'s") else w for w in words if w not in STOP_WORDS and len(w) > 2}


def hard_check(claim: str, evidence: str) -> str | None:
    """Why ``evidence`` cannot support ``claim`` (a number, name or quotation it lacks), or ``None``."""
    missing_numbers = number_values(claim) - number_values(evidence)
    if missing_numbers:
        return f"number {sorted(missing_numbers)[0].lstrip('#')} is not in the cited passages"
    low = normalize(evidence)
    for name in _NAME.findall(claim):
        bare = re.sub(r"[’']s$", "", name)
        if bare not in _NOT_NAMES and normalize(bare) not in low:
            return f"name {bare} is not in the cited passages"
    for quoted in _QUOTED.findall(claim):
        if normalize(quoted).strip(" ,.") not in low:
            return "the quotation is not in the cited passages"
    return None


class HeuristicJudge:
    """Numbers, names and quotations must match; meaning by embedding similarity or word overlap.

    ``embed`` maps texts to vectors (the index's own embedding model); the threshold is
    calibrated on the seed articles (see the README).
    """

    def __init__(self, embed: object, threshold: float, min_overlap: float = 0.75):
        self._embed = embed
        self._threshold = threshold
        self._min_overlap = min_overlap
        self._cache: dict[str, np.ndarray] = {}  # text → unit vector: passages repeat across claims

    def similarity(self, claim: str, sentences: list[str]) -> list[float]:
        """Cosine of ``claim`` to each of ``sentences``."""
        if not sentences:
            return []
        texts = [claim, *sentences]
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            batch = np.asarray(self._embed.get_text_embedding_batch(missing), dtype=np.float32)  # type: ignore[attr-defined]
            batch /= np.linalg.norm(batch, axis=1, keepdims=True) + 1e-12
            if len(self._cache) > 20_000:
                self._cache.clear()
            self._cache.update(zip(missing, batch))
        vectors = np.stack([self._cache[t] for t in texts])
        return [float(x) for x in vectors[1:] @ vectors[0]]

    def judge(self, claim: str, passages: list[str]) -> Verdict:
        """Whether ``passages`` (the cited ones, together) support ``claim``."""
        if not passages:
            return Verdict(False, 0.0, "no citation")
        claim = DATE_NOTE.sub("", claim)
        evidence = "\n".join(passages)
        problem = hard_check(claim, evidence)
        words = content_words(claim)
        overlap = len(words & content_words(evidence)) / len(words) if words else 0.0
        sentences = [s for p in passages for s in re.split(r"(?<=[.!?”])\s+|\n+", p) if s.strip()]
        similarities = self.similarity(claim, sentences)
        cosine = max(similarities, default=0.0)
        score = round(max(cosine, overlap * 0.9), 4)
        if not problem and sentences:
            at = int(np.argmax(similarities))
            closest = sentences[at]
            # A quotation's attribution may follow it ("‘…on Friday,” Witkoff told Ushakov.").
            following = sentences[at + 1] if at + 1 < len(sentences) else ""
            problem = polarity_problem(claim, closest) or speaker_problem(claim, closest, following)
        if problem:
            return Verdict(False, score, problem)
        if cosine >= self._threshold or overlap >= self._min_overlap:
            return Verdict(True, score)
        return Verdict(False, score, f"says something the cited passages do not (similarity {cosine:.2f})")
