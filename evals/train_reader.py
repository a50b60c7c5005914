"""Train the answer reader the decide stage ships: ``python -m evals.train_reader`` (``make train-reader``).

The reader rates how well one sentence answers one question. It is all-MiniLM-L6-v2 (the
embedder the package already ships, Apache-2.0) with a one-number head, fine-tuned on SQuAD 2.0
(``../shared/data/squad2/``, CC BY-SA 4.0) in the setting the decide stage puts it in: a question
against the sentences of a passage, one of which (or none) answers it; then adapted on the
golden suite's fitting pool (:data:`evals.targets.READER_FIT_SPLITS`: dev and the retired test3
to test6): each of its questions against the candidate sentences the decide stage gives it on
the seed index (a candidate answers when it holds a key fact; the questions the articles do not
answer have none). test, test2 and test7 to test10 are never read here.

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
import time
from pathlib import Path
from typing import Any

import numpy as np

from evals.reader_data import (
    HELD_OUT_ARTICLES,
    SQUAD,
    Group,
    dev_groups,
    load_groups,
    teachable,
    without_answers,
    without_details,
)
from evals.reader_export import export
from evals.targets import READER_FIT_SPLITS, fit_splits
from rag.answering.question import question_type
from rag.components.reader import MAX_TOKENS, READER_PATH, reader_input


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
    parser.add_argument(
        "--fit-splits",
        type=fit_splits,
        default=READER_FIT_SPLITS,
        help="the golden splits adapted on, comma-separated (default: dev and the retired test3 to test6)",
    )
    parser.add_argument(
        "--squad-share",
        type=float,
        default=1.0,
        help="train on this share of the SQuAD training questions (a seeded sample; for a learning curve)",
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=READER_PATH)
    args = parser.parse_args()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    rng = random.Random(args.seed)
    train_groups, held_out = load_groups(args.squad, rng, vague=bool(args.without_details))
    if args.squad_share < 1:  # the held-out articles stay whole: every share is measured on the same questions
        train_groups = random.Random(args.seed).sample(train_groups, round(len(train_groups) * args.squad_share))
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
    signature += f" share {args.squad_share}" if args.squad_share < 1 else ""
    started = time.perf_counter()
    if args.checkpoint.is_file() and (saved := torch.load(args.checkpoint))["signature"] == signature:
        load_state(reader, saved["state"])
        print(f"SQuAD stage read from {args.checkpoint}")
    else:
        train(reader, tokenizer, train_groups, args.epochs, args.lr, args.pairs_per_batch, rng)
        args.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"signature": signature, "state": state_of(reader)}, args.checkpoint)
    removed, vague = without_answers(held_out), without_details(held_out)  # none without the option
    print(f"held out ({HELD_OUT_ARTICLES} articles): {json.dumps(evaluate(reader, tokenizer, held_out))}")
    print(f"held out, answer sentences taken out: {json.dumps(evaluate(reader, tokenizer, removed))}")
    if vague:
        print(f"held out, asked details taken out: {json.dumps(evaluate(reader, tokenizer, vague))}")
    print(f"no-answer logit {reader.null.item():.3f}; trained in {(time.perf_counter() - started) / 60:.1f} min")
    if args.dev_epochs:
        torch.manual_seed(args.seed + 1)  # the same dev stage whether the SQuAD stage ran or was read
        dev = dev_groups(random.Random(args.seed + 2) if args.without_details else None, args.fit_splits)
        if args.without_details:
            print(f"dev: {len(without_details(dev))} answerable questions with their key facts taken out")
        splits = ", ".join(args.fit_splits)
        print(f"dev ({splits}): {len(dev)} questions, {sum(len(g.sentences) for g in dev)} candidate sentences")
        print(f"dev before adapting: {json.dumps(evaluate(reader, tokenizer, teachable(dev)))}")
        folds = out_of_fold(reader, tokenizer, dev, args)
        args.out_of_fold.parent.mkdir(parents=True, exist_ok=True)
        args.out_of_fold.write_text(json.dumps(folds, indent=1), "utf-8")
        print(f"wrote {args.out_of_fold} (each dev half scored by a reader adapted on the other)")
        adapt(reader, tokenizer, dev, args)
        print(f"dev after adapting (fitted on it): {json.dumps(evaluate(reader, tokenizer, teachable(dev)))}")
        print(f"held out after adapting: {json.dumps(evaluate(reader, tokenizer, held_out))}")
        print(f"held out after adapting, answers taken out: {json.dumps(evaluate(reader, tokenizer, removed))}")
        if vague:
            print(f"held out after adapting, details taken out: {json.dumps(evaluate(reader, tokenizer, vague))}")
    export(reader, args.out)
    size = args.out.stat().st_size / 2**20
    print(f"wrote {args.out} ({size:.1f} MiB); sha256 {hashlib.sha256(args.out.read_bytes()).hexdigest()[:16]}")
    if math.isnan(reader.null.item()):
        raise SystemExit("training diverged")


if __name__ == "__main__":
    main()
