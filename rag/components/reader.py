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
        import onnxruntime as ort

        from rag.components.embedding import load_tokenizer  # the embedder's word pieces: same base model

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer: Any = load_tokenizer(MAX_TOKENS)

    @staticmethod
    def available(path: Path = READER_PATH) -> bool:
        """Whether the model file is installed."""
        return path.is_file()

    def scores(self, kind: str, question: str, sentences: list[str]) -> np.ndarray:
        """One score per sentence (logit over "none answers"; > 0: the model would answer with it)."""
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        encodings = self._tokenizer.encode_batch([reader_input(kind, question, s) for s in sentences])
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
            types[row, : len(e.ids)] = e.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return np.asarray(self._session.run(["score"], feed)[0], dtype=np.float32)
