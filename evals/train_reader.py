"""Train the answer reader the decide stage ships: ``python -m evals.train_reader`` (``make train-reader``).

The reader rates how well one sentence answers one question. It is all-MiniLM-L6-v2 (the
embedder the package already ships, Apache-2.0) with a one-number head, fine-tuned on SQuAD 2.0
(``../shared/data/squad2/``, CC BY-SA 4.0) in the setting the decide stage puts it in: a question
against the sentences of a passage, one of which (or none) answers it; then adapted on the
golden suite's **dev** split only: each dev question against the candidate sentences the
decide stage gives it on the seed index (a candidate answers when it holds a key fact; the
questions the articles do not answer have none). The test splits are never read here.

Training is listwise: each question's sentences compete in one softmax together with a learned
"no answer" score, so the reader learns to choose among near neighbours (the sentence of a
SQuAD 2.0 unanswerable question's ``plausible_answers`` is kept as a hard negative) and to say
when none answers (each answerable question is also trained with its answer sentences taken
out). Two readers adapted on one half of dev each score the other half: the out-of-fold scores
that ``python -m evals.calibrate --reader-grid`` fits the decide stage's constants on. The
question is prefixed with the kind of answer it asks for (who, when, how many…, as
:func:`rag.answering.question.question_type` reads it). Three of the 16 articles are
held out; the script prints the held-out figures, then exports the model to ONNX (int8) at
:data:`rag.components.reader.READER_PATH`, the score being the sentence's logit minus the no-answer
logit. Seeded: the same data and seed give the same model. docs/reader-model.md is its card.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evals.reader_export import export
from rag.answering.question import question_type
from rag.components.reader import MAX_TOKENS, READER_PATH, reader_input
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
    for s, e in spans:
        inside = [
            (a["answer_start"], a["answer_start"] + len(a["text"])) for a in answers if s <= a["answer_start"] < e
        ]
        if not inside:
            out.append(context[s:e])
            continue
        start, end = min(x for x, _ in inside), min(e, max(y for _, y in inside))
        before = context[s:start]
        if question_type(question).value == "date":  # "in 1977" -> "at one point", not "in at one point"
            before = re.sub(r"\b(?:in|on|at|by|during)\s+$", "", before, flags=re.I)
        out.append(before + vague_phrase(question, rng) + context[end:e])
    texts = {a["text"].lower() for a in answers}
    return None if any(t in x.lower() for t in texts for x in out) else out


def load_groups(path: Path, rng: random.Random) -> tuple[list[Group], list[Group]]:
    """Training and held-out groups, split by article."""
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
                if answers:
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


class Reader:
    """MiniLM with mean pooling and a linear head; ``null`` is the no-answer logit."""

    def __init__(self, base: Path) -> None:
        import torch
        from transformers import AutoModel

        self.torch = torch
        self.encoder = AutoModel.from_pretrained(str(base), attn_implementation="eager")
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)
        self.null = torch.nn.Parameter(torch.zeros(1))

    def parameters(self) -> list[Any]:
        return [*self.encoder.parameters(), *self.head.parameters(), self.null]

    def logits(self, batch: dict[str, Any]) -> Any:
        hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return self.head(pooled).squeeze(-1)


def encode(tokenizer: Any, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Padded tensors for (question, sentence) pairs: the inputs the shipped model gets, as torch tensors."""
    import torch

    from rag.components.embedding import bert_feed

    return {name: torch.from_numpy(array) for name, array in bert_feed(tokenizer.encode_batch(pairs)).items()}


def group_loss(reader: Reader, logits: Any, groups: list[Group]) -> Any:
    """Listwise: each group's sentences and the no-answer score in one softmax."""
    torch = reader.torch
    losses = []
    offset = 0
    for g in groups:
        scores = torch.cat([reader.null, logits[offset : offset + len(g.sentences)]])
        offset += len(g.sentences)
        log_p = torch.log_softmax(scores, 0)
        targets = [i + 1 for i in g.answers] or [0]
        losses.append(-torch.logsumexp(log_p[targets], 0))
    return torch.stack(losses).mean()


def batches(groups: list[Group], pairs_per_batch: int) -> list[list[Group]]:
    out: list[list[Group]] = [[]]
    for g in groups:
        if out[-1] and sum(len(x.sentences) for x in out[-1]) + len(g.sentences) > pairs_per_batch:
            out.append([])
        out[-1].append(g)
    return [b for b in out if b]


def pairs_of(groups: list[Group]) -> list[tuple[str, str]]:
    return [reader_input(question_type(g.question).value, g.question, s) for g in groups for s in g.sentences]


def evaluate(reader: Reader, tokenizer: Any, groups: list[Group]) -> dict[str, float]:
    """Top-sentence accuracy on answerable questions, answerability accuracy on all."""
    torch = reader.torch
    top, answerable_right, n_answerable = 0, 0, 0
    with torch.no_grad():
        for batch in batches(groups, 64):
            logits = reader.logits(encode(tokenizer, pairs_of(batch))) - reader.null
            offset = 0
            for g in batch:
                scores = logits[offset : offset + len(g.sentences)].numpy()
                offset += len(g.sentences)
                answered = bool(scores.max() > 0)
                answerable_right += answered == bool(g.answers)
                if g.answers:
                    n_answerable += 1
                    top += int(int(scores.argmax()) in g.answers)
    return {
        "top_sentence_accuracy": round(top / max(1, n_answerable), 4),
        "answerability_accuracy": round(answerable_right / max(1, len(groups)), 4),
        "questions": len(groups),
    }


def dev_groups(rng: random.Random) -> list[Group]:
    """Each golden dev question against its candidate sentences from the decide stage (on the
    seed index of the settings: run `rag ingest seeds` first). ``answers`` is empty both for a
    question the articles do not answer and for an answerable one none of whose candidates holds
    a key fact; :func:`teachable` leaves the latter out of training."""
    from evals.metrics import key_fact_recall
    from evals.runner import load_suite
    from rag import Assistant, Settings
    from rag.answering.decision import RERANK
    from rag.answering.hit_sentences import raw_text
    from rag.components import build_components

    settings = Settings(answerer="extractive")
    parts = build_components(settings)
    parts.__dict__["reader"] = None  # the candidates as the decision ranks them without a reader
    assistant = Assistant(settings, parts)
    groups: list[Group] = []
    for case in load_suite(Path(__file__).with_name("golden.jsonl")):
        if case.split != "dev" or not (case.must_refuse or case.key_facts):
            continue
        read = assistant.read(case.question, case.history)
        plan = assistant.decider.decide(read, assistant.hits_for(read, settings.top_k))
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
        if answers:
            group.vague = _vague_facts(group, case.key_facts, rng)
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


def train(
    reader: Reader, tokenizer: Any, groups: list[Group], epochs: int, lr: float, batch: int, rng: random.Random
) -> None:
    """Listwise fine-tuning with a linear warm-up and decay."""
    import torch

    reader.encoder.train()
    total = len(batches(groups, batch)) * epochs
    optimizer = torch.optim.AdamW(reader.parameters(), lr=lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, step / max(1, total // 10)) * max(0.0, (total - step) / total)
    )
    started, step = time.perf_counter(), 0
    for epoch in range(epochs):
        rng.shuffle(groups)
        for part in batches(groups, batch):
            loss = group_loss(reader, reader.logits(encode(tokenizer, pairs_of(part))), part)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(reader.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 50 == 0 or step == total:
                minutes = (time.perf_counter() - started) / 60
                print(f"epoch {epoch + 1} step {step}/{total} loss {loss.item():.3f} ({minutes:.1f} min)", flush=True)
    reader.encoder.eval()


def state_of(reader: Reader) -> dict[str, Any]:
    """A copy of the reader's weights."""
    import copy

    return copy.deepcopy(
        {"encoder": reader.encoder.state_dict(), "head": reader.head.state_dict(), "null": reader.null.data}
    )


def load_state(reader: Reader, state: dict[str, Any]) -> None:
    reader.encoder.load_state_dict(state["encoder"])
    reader.head.load_state_dict(state["head"])
    reader.null.data.copy_(state["null"])


def scores_of(reader: Reader, tokenizer: Any, groups: list[Group]) -> dict[str, dict[str, Any]]:
    """Each group's sentences and their scores (logit minus the no-answer logit), by case."""
    out = {}
    with reader.torch.no_grad():
        for g in groups:
            logits = reader.logits(encode(tokenizer, pairs_of([g]))) - reader.null
            out[g.case] = {"sentences": g.sentences, "scores": [round(float(x), 4) for x in logits]}
    return out


def adapt(reader: Reader, tokenizer: Any, dev: list[Group], args: argparse.Namespace) -> None:
    """The dev adaptation (each answerable question also without its answer sentences)."""
    dev = teachable(dev)
    groups = dev + (without_answers(dev) if args.without_answers else [])
    groups += without_details(dev) if args.without_details else []
    train(reader, tokenizer, groups, args.dev_epochs, args.dev_lr, args.pairs_per_batch, random.Random(args.seed + 1))


def out_of_fold(reader: Reader, tokenizer: Any, dev: list[Group], args: argparse.Namespace) -> dict[str, Any]:
    """Scores of each dev question's candidates by a reader adapted on the other half of dev only:
    what a threshold on the reader's score is fitted on (the shipped reader has seen every dev
    question). Every dev question is scored, those left out of training too. The reader is left
    as it came in."""
    before = state_of(reader)
    halves = [dev[0::2], dev[1::2]]
    scores: dict[str, Any] = {}
    for k in (0, 1):
        adapt(reader, tokenizer, halves[1 - k], args)
        scores.update(scores_of(reader, tokenizer, halves[k]))
        load_state(reader, before)
    return scores


def main() -> None:
    """Train, print the held-out figures, write the ONNX model."""
    import torch

    from rag.components.embedding import bundled_model_dir, load_tokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--epochs", type=int, default=1, help="over SQuAD 2.0")
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--dev-epochs", type=int, default=3, help="adapting on the golden dev split (0: none)")
    parser.add_argument("--dev-lr", type=float, default=2e-5)
    parser.add_argument("--pairs-per-batch", type=int, default=48)
    parser.add_argument(
        "--without-answers",
        type=int,
        default=1,
        help="1: every answerable question is also trained with its answer sentences taken out (answer: none)",
    )
    parser.add_argument(
        "--without-details",
        type=int,
        default=0,
        help="1: every answerable question is also trained with the asked detail of its answer sentences "
        "replaced by a vague phrase (answer: none); measured and not shipped (evals/README.md, eighth session)",
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        default=Path("build/reader-squad.pt"),
        help="the model after the SQuAD stage, reused by a later run with the same data and arguments",
    )
    parser.add_argument(
        "--out-of-fold",
        type=Path,
        default=Path("build/reader-dev-out-of-fold.json"),
        help="where to write the dev candidates' scores by readers adapted on the other half of dev",
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=READER_PATH)
    args = parser.parse_args()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    rng = random.Random(args.seed)
    train_groups, held_out = load_groups(args.squad, rng)
    digest = hashlib.sha256(args.squad.read_bytes()).hexdigest()
    print(f"SQuAD 2.0 file sha256 {digest}")
    extra = without_answers(train_groups) if args.without_answers else []
    extra += without_details(train_groups) if args.without_details else []
    train_groups += extra
    pairs = sum(len(g.sentences) for g in train_groups)
    print(f"train: {len(train_groups)} questions, {pairs} pairs; held out: {len(held_out)}")
    tokenizer = load_tokenizer(MAX_TOKENS)
    reader = Reader(bundled_model_dir())
    signature = f"{digest} {args.epochs} {args.lr} {args.pairs_per_batch} {args.without_answers} {args.seed}"
    signature += f" {args.without_details}" if args.without_details else ""
    started = time.perf_counter()
    if args.checkpoint.is_file() and (saved := torch.load(args.checkpoint))["signature"] == signature:
        load_state(reader, saved["state"])
        print(f"SQuAD stage read from {args.checkpoint}")
    else:
        train(reader, tokenizer, train_groups, args.epochs, args.lr, args.pairs_per_batch, rng)
        args.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"signature": signature, "state": state_of(reader)}, args.checkpoint)
    removed, vague = without_answers(held_out), without_details(held_out)
    print(f"held out ({HELD_OUT_ARTICLES} articles): {json.dumps(evaluate(reader, tokenizer, held_out))}")
    print(f"held out, answer sentences taken out: {json.dumps(evaluate(reader, tokenizer, removed))}")
    print(f"held out, asked details taken out: {json.dumps(evaluate(reader, tokenizer, vague))}")
    print(f"no-answer logit {reader.null.item():.3f}; trained in {(time.perf_counter() - started) / 60:.1f} min")
    if args.dev_epochs:
        torch.manual_seed(args.seed + 1)  # the same dev stage whether the SQuAD stage ran or was read
        dev = dev_groups(random.Random(args.seed + 2))
        print(f"dev: {len(without_details(dev))} answerable questions with their key facts taken out")
        print(f"dev: {len(dev)} questions, {sum(len(g.sentences) for g in dev)} candidate sentences")
        print(f"dev before adapting: {json.dumps(evaluate(reader, tokenizer, teachable(dev)))}")
        folds = out_of_fold(reader, tokenizer, dev, args)
        args.out_of_fold.parent.mkdir(parents=True, exist_ok=True)
        args.out_of_fold.write_text(json.dumps(folds, indent=1), "utf-8")
        print(f"wrote {args.out_of_fold} (each dev half scored by a reader adapted on the other)")
        adapt(reader, tokenizer, dev, args)
        print(f"dev after adapting (fitted on it): {json.dumps(evaluate(reader, tokenizer, teachable(dev)))}")
        print(f"held out after adapting: {json.dumps(evaluate(reader, tokenizer, held_out))}")
        print(f"held out after adapting, answers taken out: {json.dumps(evaluate(reader, tokenizer, removed))}")
        print(f"held out after adapting, details taken out: {json.dumps(evaluate(reader, tokenizer, vague))}")
    export(reader, args.out)
    size = args.out.stat().st_size / 2**20
    print(f"wrote {args.out} ({size:.1f} MiB); sha256 {hashlib.sha256(args.out.read_bytes()).hexdigest()[:16]}")
    if math.isnan(reader.null.item()):
        raise SystemExit("training diverged")


if __name__ == "__main__":
    main()
