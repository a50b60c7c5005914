"""The answer reader: how well one sentence answers one question, by a small trained model.

all-MiniLM-L6-v2 fine-tuned on SQuAD 2.0 by ``python -m evals.train_reader`` (model card:
docs/reader-model.md), shipped in the package as int8 ONNX and run by onnxruntime, batched:
one call scores every candidate sentence of a question. The score is the sentence's logit
minus the model's "no sentence answers" logit, so above 0 the model would answer with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rag.components.embedding import bert_feed, cpu_session, load_tokenizer

READER_PATH = Path(__file__).with_name("reader.int8.onnx")
MAX_TOKENS = 128  # question and sentence together; longer sentences are cut


def reader_input(kind: str, question: str, sentence: str) -> tuple[str, str]:
    """The (question, sentence) pair as the reader was trained on it: the question led by the kind
    of answer it asks for ("number: How many…", as :func:`rag.answering.question.question_type`
    reads it)."""
    return f"{kind}: {question}", sentence


class AnswerReader:
    """Scores (question, sentence) pairs with the shipped reader model."""

    def __init__(self, path: Path = READER_PATH, threads: int = 1):
        self._session = cpu_session(path, threads)
        self._tokenizer: Any = load_tokenizer(MAX_TOKENS)  # the embedder's word pieces: same base model

    @staticmethod
    def available(path: Path = READER_PATH) -> bool:
        """Whether the model file is installed."""
        return path.is_file()

    def scores(self, kind: str, question: str, sentences: list[str]) -> np.ndarray:
        """One score per sentence (logit over "none answers"; > 0: the model would answer with it)."""
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        encodings = self._tokenizer.encode_batch([reader_input(kind, question, s) for s in sentences])
        return np.asarray(self._session.run(["score"], bert_feed(encodings))[0], dtype=np.float32)
