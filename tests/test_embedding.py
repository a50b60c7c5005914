"""The ONNX embedder is the real all-MiniLM-L6-v2: same vectors as sentence-transformers."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import SEEDS

from rag.components.embedding import OnnxEmbedding, bundled_model_dir
from rag.settings import Settings


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedding:
    return OnnxEmbedding(Settings())


def test_matches_sentence_transformers_on_a_padded_batch(embedder: OnnxEmbedding) -> None:
    from sentence_transformers import SentenceTransformer

    long_text = (SEEDS / "003_9b7536fcd701dea8.txt").read_text("utf-8")[:3000]  # truncated at 256 pieces
    texts = ["What did Witkoff say?", long_text, "Trump canceled the missile package.", "ok"]
    reference = SentenceTransformer(str(bundled_model_dir()), device="cpu").encode(texts, normalize_embeddings=True)
    ours = embedder.embed(texts)
    assert ours.shape == (4, 384)
    assert float((ours * reference).sum(axis=1).min()) > 0.9999


def test_padding_does_not_change_a_vector(embedder: OnnxEmbedding) -> None:
    alone = embedder.embed(["Putin urged Kiev to agree to an honorable surrender."])[0]
    batched = embedder.embed(["Putin urged Kiev to agree to an honorable surrender.", "x " * 200])[0]
    assert float(np.dot(alone, batched)) > 0.99999
    assert abs(float(np.linalg.norm(alone)) - 1.0) < 1e-5


def test_llamaindex_interface_and_token_count(embedder: OnnxEmbedding) -> None:
    query = embedder.get_query_embedding("Tomahawk missiles")
    batch = embedder.get_text_embedding_batch(["Tomahawk missiles", "lithium"])
    assert len(query) == 384 and np.allclose(query, batch[0], atol=1e-5)
    assert embedder.count_tokens("Witkoff") > 1  # an unknown name splits into word pieces
    assert embedder.count_tokens("") == 0
