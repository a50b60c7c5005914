"""The eval metrics: small functions, each defined in evals/README.md and tested.

``None`` means "does not apply to this case" (e.g. citation metrics of a refusal);
aggregates average over the cases where a metric applies.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.answering.judge import Judge
from rag.contract import Citation
from rag.text import normalize

KeyFacts = Sequence[Sequence[str]]  # groups of acceptable phrasings; a group is found if any phrasing is


def fact_found(text: str, group: Sequence[str]) -> bool:
    """Whether any phrasing of a key fact appears in ``text``."""
    low = normalize(text)
    return any(normalize(p) in low for p in group)


def key_fact_recall(text: str, key_facts: KeyFacts) -> float | None:
    """Share of the key facts an answer contains."""
    if not key_facts:
        return None
    return sum(fact_found(text, g) for g in key_facts) / len(key_facts)


def hit_at_k(sources: Sequence[str], expected: Sequence[str]) -> float | None:
    """1 if an expected source is among the retrieved ones (LlamaIndex's ``HitRate``)."""
    from llama_index.core.evaluation.retrieval.metrics import HitRate

    if not expected:
        return None
    return float(HitRate().compute(expected_ids=list(expected), retrieved_ids=list(sources)).score)


def reciprocal_rank(sources: Sequence[str], expected: Sequence[str]) -> float | None:
    """1/rank of the first retrieved passage from an expected source, 0 if none (LlamaIndex's ``MRR``)."""
    from llama_index.core.evaluation.retrieval.metrics import MRR

    if not expected:
        return None
    return float(MRR().compute(expected_ids=list(expected), retrieved_ids=list(sources)).score)


def context_recall(contexts: Sequence[str], key_facts: KeyFacts) -> float | None:
    """Share of the key facts present in the retrieved text."""
    return key_fact_recall("\n".join(contexts), key_facts)


def citation_validity(citations: Sequence[Citation], corpus_dir: Path) -> float | None:
    """Share of citations whose quote is exactly ``file[start:end]``."""
    if not citations:
        return None
    valid = 0
    for c in citations:
        try:
            text = (corpus_dir / c.source).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        valid += text[c.start : c.end] == c.quote
    return valid / len(citations)


def statements(answer: str) -> list[tuple[str, list[int]]]:
    """The answer's sentences with the [n] they cite (markers removed from the text)."""
    from rag.answering.checking import normalize_citations
    from rag.text import sentences

    out = []
    for sentence in sentences(normalize_citations(answer)):
        ids = [int(n) for n in re.findall(r"\[(\d+)\]", sentence)]
        text = re.sub(r"\s*\[(?:\d+|unsupported)\]", "", sentence).strip()
        if re.search(r"\w", text):
            out.append((text, ids))
    return out


def citation_recall_precision(
    stated: Sequence[tuple[str, list[int]]], quotes: dict[int, str], judge: Judge
) -> tuple[float | None, float | None]:
    """ALCE citation recall and precision (Gao et al. 2023).

    Recall: share of statements that their citations, together, support (a statement
    without citations is unsupported). Precision: share of citations that are not
    irrelevant, where a citation is irrelevant if it alone does not support its
    statement and the statement's other citations still do.
    """
    if not stated:
        return None, None
    supported = 0
    total_citations = irrelevant = 0
    for text, ids in stated:
        cited = [quotes[i] for i in ids if i in quotes]
        whole = bool(cited) and judge.judge(text, cited).supported
        supported += whole
        for i in ids:
            total_citations += 1
            if i not in quotes:
                irrelevant += 1
                continue
            others = [quotes[j] for j in ids if j != i and j in quotes]
            if not judge.judge(text, [quotes[i]]).supported and others and judge.judge(text, others).supported:
                irrelevant += 1
    recall = supported / len(stated)
    precision = 1 - irrelevant / total_citations if total_citations else None
    return recall, precision


def faithfulness(claims: Sequence[str], contexts: Sequence[str], judge: Judge) -> float | None:
    """RAGAS faithfulness: share of the answer's claims the retrieved context supports."""
    if not claims:
        return None
    return sum(judge.judge(c, list(contexts)).supported for c in claims) / len(claims)


def abstention_scores(pairs: Sequence[tuple[bool, bool]]) -> tuple[float | None, float | None]:
    """Precision and recall of refusals over (must_refuse, refused) pairs."""
    refused = [must for must, did in pairs if did]
    must = [did for must_refuse, did in pairs if must_refuse]
    precision = sum(refused) / len(refused) if refused else None
    recall = sum(must) / len(must) if must else None
    return precision, recall


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-quantile (0 < q < 1, in hundredths) of ``values``, interpolated (``statistics.quantiles``)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def mean(values: Sequence[float | None]) -> float | None:
    """Average over the values that apply."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


HARD_REFUSALS = ("unknown_name", "low_similarity")


def refusal_curve(rows: list[dict[str, Any]], steps: int = 20) -> list[dict[str, float | None]]:
    """Refusal against coverage over the answerability threshold: at each threshold, the share
    of must-refuse cases refused (``refusal_recall``) and of answerable cases answered
    (``coverage``). A case is answered at threshold t when it was not refused outright (unknown
    name, low similarity) and its ``confidence`` is at least t."""
    curve: list[dict[str, float | None]] = []
    for i in range(steps + 1):
        t = round(i / steps, 2)
        refused = [r["refusal_reason"] in HARD_REFUSALS or r["confidence"] is None or r["confidence"] < t for r in rows]
        due = [x for x, r in zip(refused, rows) if r["must_refuse"]]
        answerable = [not x for x, r in zip(refused, rows) if not r["must_refuse"]]
        recall, coverage = mean([float(x) for x in due]), mean([float(x) for x in answerable])
        curve.append({"threshold": t, "refusal_recall": recall, "coverage": coverage})
    return curve


# The metrics every report shows first, in this order.
HEADLINE = [
    "hit_at_k",
    "mrr",
    "context_recall",
    "key_fact_recall",
    "citation_validity",
    "citation_recall",
    "citation_precision",
    "faithfulness",
]
