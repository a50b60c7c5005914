"""The answerability model: a logistic regression over a candidate sentence's features, its
weights and threshold fitted on the golden dev split (``python -m evals.calibrate``) and shipped
in ``answerability.json`` beside this module. The features themselves are computed by
:mod:`rag.answering.answerability`; this is the replaceable part, built with the others by
:class:`rag.components.Components`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

WEIGHTS_PATH = Path(__file__).with_name("answerability.json")


@dataclass(frozen=True)
class Decision:
    """Whether to answer, how sure, and on refusal why (``refusal_reason``) and what to say."""

    answerable: bool
    confidence: float
    reason: str | None = None  # "unknown_name" | "low_similarity" | "not_addressed"
    message: str | None = None
    features: dict[str, float] = field(default_factory=dict)


REQUIRED = ("type_match", "speaker_match", "specific")  # a sentence without them does not answer, however close


class AnswerabilityModel:
    """Logistic regression over :data:`FEATURES`; the threshold is where it refuses. A sentence
    that lacks a :data:`REQUIRED` feature (no number for "how many", someone else speaking for
    "what did X say") gets probability 0."""

    def __init__(self, weights: dict[str, float], bias: float, threshold: float):
        self.weights = weights
        self.bias = bias
        self.threshold = threshold

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH, threshold: float | None = None) -> AnswerabilityModel:
        """The calibrated model; ``threshold`` overrides the calibrated one."""
        data = json.loads(path.read_text("utf-8"))
        return cls(dict(data["weights"]), float(data["bias"]), data["threshold"] if threshold is None else threshold)

    def probability(self, features: dict[str, float]) -> float:
        """P(the question is answered by this sentence)."""
        if not all(features.get(name, 1.0) for name in REQUIRED):
            return 0.0
        z = self.bias + sum(w * features[name] for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))

    def decide(self, features: dict[str, float]) -> Decision:
        """Answer when the probability reaches the threshold, else refuse as ``not_addressed``."""
        p = round(self.probability(features), 4)
        if p >= self.threshold:
            return Decision(True, p, features=features)
        return Decision(False, p, "not_addressed", NOT_ADDRESSED, features)


NOT_ADDRESSED = "The articles do not answer this: they mention what you ask about, but not this."


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.1, steps: int = 5000) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression (projected gradient descent;
    small data). Weights are kept non-negative: every feature is built so that more of it means
    more likely answered, and on ~80 cases correlated features otherwise take opposite signs."""
    w = np.zeros(x.shape[1])
    b = 0.0
    rate = 0.5
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        grad_w = x.T @ (p - y) / len(y) + l2 * w / len(y)
        grad_b = float(np.mean(p - y))
        w = np.maximum(w - rate * grad_w, 0.0)
        b -= rate * grad_b
    return w, b
