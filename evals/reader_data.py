"""The reader's training data (``python -m evals.train_reader``): SQuAD 2.0 questions against the
sentences of their paragraph, and the fitting pool's questions (golden splits, or held-out suites
on their own corpus) against their candidate sentences, each also without its answer sentences
(and, for the experiment ``--without-details``, with the asked detail replaced by a vague phrase)."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.targets import FIT_SPLITS, Case, fitting_cases
from rag.answering.question import question_type
from rag.settings import Settings
from rag.text import sentence_spans

SQUAD = Path(__file__).resolve().parents[2] / "shared" / "data" / "squad2" / "squad2-dev-half.json"
HELD_OUT_ARTICLES = 3  # the last three articles of the file
MAX_SENTENCES = 6  # per question: the answer, the hard negative and others drawn at random


@dataclass
class Group:
    """One question and the sentences of its paragraph; ``answers``: indexes of those holding the answer."""

    question: str
    sentences: list[str]
    answers: list[int]
    hard: int | None = None  # the sentence of a plausible (wrong) answer
    case: str = ""  # the golden case it comes from (dev groups)
    must_refuse: bool = False  # a golden case the articles do not answer
    # The sentences with the asked detail (the answer span, a key fact) replaced by a vague
    # phrase: ``None`` when that left the detail somewhere in the group.
    vague: list[str] | None = None


def without_answers(groups: list[Group]) -> list[Group]:
    """Each answerable group again with the sentences holding its answer taken out, so none
    answers: the names and the topic are all there, the asked detail is not (the refusals the
    answerability model misses are of this kind). Groups left with fewer than two sentences are
    dropped."""
    out = []
    for g in groups:
        kept = [s for i, s in enumerate(g.sentences) if i not in g.answers]
        if g.answers and len(kept) >= 2:
            out.append(Group(g.question, kept, [], None, g.case, True))
    return out


# What a news sentence says when it leaves the asked detail out ("a former official", "several
# settlements", "at one point"), by the kind of answer the question asks for.
VAGUE = {
    "person": ("someone", "an official", "a person"),
    "number": ("several", "a number of", "some"),
    "date": ("at one point", "at some time", "earlier"),
    "place": ("somewhere", "in one place", "there"),
}
VAGUE_OTHER = ("something", "one of them", "it")


def vague_phrase(question: str, rng: random.Random) -> str:
    """A phrase that stands where the answer was, in the vague way news copy leaves a detail out."""
    return rng.choice(VAGUE.get(question_type(question).value, VAGUE_OTHER))


def without_details(groups: list[Group]) -> list[Group]:
    """Each answerable group again with the asked detail taken out of its answer sentences, which
    stay in as hard negatives: the topic, the names and the sentence are all there, only what
    the question asks for is not. That is how the questions the articles do not answer look
    ("Which former official was assassinated?" against "…targeted a former official")."""
    out = []
    for g in groups:
        if g.answers and g.vague is not None:
            out.append(Group(g.question, g.vague, [], g.answers[0], g.case, True))
    return out


def _vague_sentences(
    question: str, context: str, spans: list[tuple[int, int]], answers: list[dict[str, Any]], rng: random.Random
) -> list[str] | None:
    """The sentences of ``context`` (at ``spans``) with the answer spans replaced by a vague
    phrase; ``None`` when an answer's text is still in one of them."""
    out = []
    dated = question_type(question).value == "date"
    for s, e in spans:
        inside = [
            (a["answer_start"], a["answer_start"] + len(a["text"])) for a in answers if s <= a["answer_start"] < e
        ]
        if not inside:
            out.append(context[s:e])
            continue
        start, end = min(x for x, _ in inside), min(e, max(y for _, y in inside))
        before = context[s:start]
        if dated:  # "in 1977" -> "at one point", not "in at one point"
            before = re.sub(r"\b(?:in|on|at|by|during)\s+$", "", before, flags=re.I)
        out.append(before + vague_phrase(question, rng) + context[end:e])
    texts = {a["text"].lower() for a in answers}
    return None if any(t in x.lower() for t in texts for x in out) else out


def load_groups(path: Path, rng: random.Random, vague: bool = False) -> tuple[list[Group], list[Group]]:
    """Training and held-out groups, split by article; with ``vague``, each answerable group
    also holds its sentences with the answer replaced by a vague phrase (:func:`without_details`)."""
    articles = json.loads(path.read_text("utf-8"))["data"]
    split: tuple[list[Group], list[Group]] = ([], [])
    vague_rng = random.Random(0)  # its own stream: the sentences drawn by ``rng`` stay as they were
    for n, article in enumerate(articles):
        held_out = n >= len(articles) - HELD_OUT_ARTICLES
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            spans = sentence_spans(context)

            def holding(answers: list[dict[str, Any]], spans: list[tuple[int, int]] = spans) -> list[int]:
                starts = {a["answer_start"] for a in answers}
                return sorted({i for i, (s, e) in enumerate(spans) for a in starts if s <= a < e})

            for qa in paragraph["qas"]:
                answers = [] if qa["is_impossible"] else holding(qa["answers"])
                if not qa["is_impossible"] and not answers:
                    continue
                plausible = holding(qa.get("plausible_answers", [])) if qa["is_impossible"] else []
                group = Group(
                    qa["question"], [context[s:e] for s, e in spans], answers, plausible[0] if plausible else None
                )
                if vague and answers:
                    group.vague = _vague_sentences(qa["question"], context, spans, qa["answers"], vague_rng)
                split[held_out].append(_capped(group, rng))
    return split


def _capped(group: Group, rng: random.Random) -> Group:
    """At most :data:`MAX_SENTENCES` sentences: the answers and the hard negative always kept."""
    keep = set(group.answers) | ({group.hard} if group.hard is not None else set())
    others = [i for i in range(len(group.sentences)) if i not in keep]
    rng.shuffle(others)
    chosen = sorted(keep | set(others[: max(0, MAX_SENTENCES - len(keep))]))
    index = {old: new for new, old in enumerate(chosen)}
    return Group(
        group.question,
        [group.sentences[i] for i in chosen],
        [index[i] for i in group.answers],
        index[group.hard] if group.hard is not None else None,
        vague=[group.vague[i] for i in chosen] if group.vague is not None else None,
    )


def dev_groups(vague_rng: random.Random | None = None, splits: tuple[str, ...] = FIT_SPLITS) -> list[Group]:
    """Each question of the fitting ``splits`` against its candidate sentences from the decide
    stage: golden splits on the seed index of the settings (run `rag ingest seeds` first), a
    held-out suite (``heldout``…: ``evals/<name>.jsonl``) on its own corpus, in the index `make
    eval-heldout` uses (``.index-<name>``, ingested when missing or stale). ``answers`` is empty
    both for a question the articles do not answer and for an answerable one none of whose
    candidates holds a key fact; :func:`teachable` leaves the latter out of training. With
    ``vague_rng``, each answerable group also holds its sentences with the key facts replaced by a
    vague phrase."""
    from evals.runner import load_suite
    from rag.indexing.ingest import ingest

    evals = Path(__file__).parent
    golden = tuple(s for s in splits if not (evals / f"{s}_corpus").is_dir())
    groups = _groups(Settings(answerer="extractive"), load_suite(evals / "golden.jsonl"), golden, vague_rng)
    for name in (s for s in splits if s not in golden):
        corpus, index = evals / f"{name}_corpus", Path(f".index-{name}")
        settings = Settings(answerer="extractive", corpus_dir=corpus, index_dir=index)
        ingest(settings)  # unchanged files are skipped
        groups += _groups(settings, load_suite(evals / f"{name}.jsonl"), (name,), vague_rng)
    return groups


def _groups(
    settings: Settings, cases: list[Case], splits: tuple[str, ...], vague_rng: random.Random | None
) -> list[Group]:
    """The groups of ``cases`` in ``splits``, on the index of ``settings``."""
    from evals.metrics import key_fact_recall
    from rag import Assistant
    from rag.answering.decision import RERANK
    from rag.answering.hit_sentences import raw_text
    from rag.components import build_components

    cases = fitting_cases(cases, splits)
    if not cases:
        return []
    parts = build_components(settings)
    parts.__dict__["reader"] = None  # the candidates as the decision ranks them without a reader
    assistant = Assistant(settings, parts)
    groups: list[Group] = []
    for case in cases:
        read = assistant.read(case.question, case.history)
        hits = assistant.hits_for(read, settings.top_k)
        # Questions under the similarity gate are left out even when the decision now reads them
        # (every word of them in the passages): the shipped reader was adapted without them.
        if assistant.decider.dissimilar(hits):
            continue
        plan = assistant.decider.decide(read, hits)
        top = sorted(plan.ranked[:RERANK], key=lambda c: (c.hit.source, c.hit.sentences[c.index].start))
        if not top:
            continue
        sentences = [raw_text(c.hit, c.index) for c in top]
        answers = (
            []
            if case.must_refuse
            else [i for i, s in enumerate(sentences) if (key_fact_recall(s, case.key_facts) or 0) > 0]
        )
        group = Group(read.info.corrected, sentences, answers, None, case.id, case.must_refuse)
        if vague_rng is not None and answers:
            group.vague = _vague_facts(group, case.key_facts, vague_rng)
        groups.append(group)
    return groups


def _vague_facts(group: Group, key_facts: list[list[str]], rng: random.Random) -> list[str] | None:
    """``group``'s sentences with every phrasing of a key fact replaced by a vague phrase;
    ``None`` when a key fact is still found in one of them."""
    from evals.metrics import key_fact_recall

    phrasings = sorted({p for facts in key_facts for p in facts}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(p) for p in phrasings), re.I)
    out = [pattern.sub(lambda _: vague_phrase(group.question, rng), s) for s in group.sentences]
    return None if any((key_fact_recall(s, key_facts) or 0) > 0 for s in out) else out


def teachable(groups: list[Group]) -> list[Group]:
    """The groups to train on: an answerable question none of whose candidates holds a key fact
    teaches nothing (its empty ``answers`` would teach a refusal)."""
    return [g for g in groups if g.answers or g.must_refuse]
