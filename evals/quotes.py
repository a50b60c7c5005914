"""Score the statement extractor on hand-labelled quotations: ``rag eval --quotes``.

A found statement matches a labelled one of the same file when their spans overlap by at
least half of their union (IoU ≥ 0.5); each label is matched once. Speaker precision: share
of found statements that match a label and name its speaker; recall: share of labels
found with the right speaker; span overlap: mean IoU of the matched pairs. Speakers are
compared without determiners and case ("the G7" = "G7"). Kind accuracy: share of matched
statements whose kind (direct or reported) is the label's. Chain precision and recall: of the
found statements that name who relayed them (``via``), the share whose label names the same;
of the labels that name one, the share found with it.

``rag eval --quotes`` scores the seeds (``quotes.jsonl``, tuned on) and, apart, the held-out
articles of ``quotes_heldout/`` (``quotes_heldout.jsonl``, labelled by hand before the
extractor ever ran on them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rag.indexing.statements import Statement


def normalize(speaker: str) -> str:
    """A speaker for comparison: lower case, no leading determiner."""
    return re.sub(r"^(the|a|an|one|some|several)\s+", "", " ".join(speaker.lower().split()))


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Overlap of two spans over their union."""
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def score(found: Iterable[Statement], labels: list[dict[str, Any]]) -> dict[str, Any]:
    """Speaker precision and recall, span overlap, and what was missed or wrong."""
    found = list(found)
    used: set[int] = set()
    right, overlaps, wrong = 0, [], []
    kinds_right, chains_found, chains_right = 0, 0, 0
    for s in found:
        candidates = [
            (iou((s.start, s.end), (g["start"], g["end"])), i)
            for i, g in enumerate(labels)
            if g["source"] == s.source and i not in used
        ]
        best = max(candidates, default=(0.0, -1))
        if best[0] < 0.5:
            wrong.append({"source": s.source, "speaker": s.speaker, "text": s.text[:80], "why": "no such statement"})
            continue
        used.add(best[1])
        overlaps.append(best[0])
        gold = labels[best[1]]
        kinds_right += gold["kind"] == s.kind
        if s.via:
            chains_found += 1
            chains_right += normalize(gold.get("via") or "") == normalize(s.via)
        if normalize(gold["speaker"]) == normalize(s.speaker):
            right += 1
        else:
            wrong.append(
                {"source": s.source, "speaker": s.speaker, "text": s.text[:80], "why": f"is {gold['speaker']}"}
            )
    matched_right = right
    chained = [g for g in labels if g.get("via")]
    chain_hits = sum(
        1
        for g in chained
        if any(
            s.via and normalize(s.via) == normalize(g["via"]) and iou((s.start, s.end), (g["start"], g["end"])) >= 0.5
            for s in found
            if s.source == g["source"]
        )
    )
    missed = [
        {"source": g["source"], "speaker": g["speaker"], "text": g["text"][:80]}
        for i, g in enumerate(labels)
        if i not in used
    ]
    return {
        "labels": len(labels),
        "found": len(found),
        "speaker_precision": round(matched_right / len(found), 4) if found else None,
        "speaker_recall": round(matched_right / len(labels), 4) if labels else None,
        "span_overlap": round(sum(overlaps) / len(overlaps), 4) if overlaps else None,
        "kind_accuracy": round(kinds_right / len(overlaps), 4) if overlaps else None,
        "chain_precision": round(chains_right / chains_found, 4) if chains_found else None,
        "chain_recall": round(chain_hits / len(chained), 4) if chained else None,
        "wrong": wrong,
        "missed": missed,
    }


def load_labels(path: Path) -> list[dict[str, Any]]:
    """The labelled statements of a JSONL file."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def score_corpus(corpus_dir: Path, labels_path: Path, sources: set[str] | None = None) -> dict[str, Any]:
    """Extract from every labelled file of ``corpus_dir`` (or those in ``sources``) and score."""
    from rag.indexing.corpus import FileProblem, read_article
    from rag.indexing.statements import extract, unify

    labels = [g for g in load_labels(labels_path) if sources is None or g["source"] in sources]
    found: list[Statement] = []
    for source in sorted({g["source"] for g in labels}):
        article = read_article(corpus_dir, corpus_dir / source, 5_000_000)
        if isinstance(article, FileProblem):
            raise RuntimeError(str(article))
        found += extract(article)
    return score(unify(found), labels)
