"""The embedding engine alone: our onnxruntime MiniLM vs the same model through
sentence-transformers (torch), on the same chunk texts, 1 thread each, in one run.

    python bench/embed.py [--texts 256]

The ratio (ours / sentence-transformers texts/s) is the figure. Also checks that both
give the same vectors (cosine ≥ 0.999), so the speed is not bought with a different model,
and measures the int8-quantized model (RAG_EMBED_QUANTIZE) and 2 threads (RAG_THREADS).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import ROOT, save_results, table
from synth import write_corpus


def chunk_texts(count: int) -> list[str]:
    """``count`` chunks as the ingest pipeline makes them, from synthetic articles."""
    import tempfile
    from pathlib import Path

    from rag import Settings
    from rag.components.embedding import build_embedding, count_tokens_fn
    from rag.indexing.chunking import Chunker
    from rag.indexing.corpus import FileProblem, read_article

    settings = Settings(corpus_dir=ROOT / "seeds")
    embedding = build_embedding(settings)
    chunker = Chunker(
        count_tokens_fn(embedding, settings), settings.chunk_size, settings.chunk_overlap, settings.embed_max_tokens
    )
    texts: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in write_corpus(Path(tmp), max(1, count // 8)):
            article = read_article(Path(tmp), path, 5_000_000)
            assert not isinstance(article, FileProblem)
            texts += [c.text for c in chunker.chunk(article)]
    return texts[:count]


def rate(encode: object, texts: list[str]) -> tuple[float, np.ndarray]:
    encode(texts[:16])  # type: ignore[operator]
    started = time.perf_counter()
    vectors = np.asarray(encode(texts))  # type: ignore[operator]
    return len(texts) / (time.perf_counter() - started), vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=256)
    args = parser.parse_args()
    texts = chunk_texts(args.texts)

    import torch
    from sentence_transformers import SentenceTransformer

    from rag import Settings
    from rag.components.embedding import build_embedding, bundled_model_dir

    settings = Settings(threads=1, embed_batch_size=16)
    ours_rate, ours = rate(build_embedding(settings).get_text_embedding_batch, texts)
    int8 = settings.model_copy(update={"embed_quantize": True})
    int8_rate, int8_vectors = rate(build_embedding(int8).get_text_embedding_batch, texts)
    two = settings.model_copy(update={"threads": 2})
    two_rate, _ = rate(build_embedding(two).get_text_embedding_batch, texts)
    torch.set_num_threads(1)
    model = SentenceTransformer(str(bundled_model_dir()), device="cpu")
    model.max_seq_length = settings.embed_max_tokens
    theirs_rate, theirs = rate(lambda t: model.encode(t, batch_size=16, normalize_embeddings=True), texts)
    agreement = float(np.min(np.sum(ours * theirs, axis=1)))
    result = {
        "texts": len(texts),
        "ours_onnx_texts_per_s": round(ours_rate, 2),
        "sentence_transformers_texts_per_s": round(theirs_rate, 2),
        "speed_ratio": round(ours_rate / theirs_rate, 3),
        "min_cosine_between_engines": round(agreement, 5),
        "ours_int8_texts_per_s": round(int8_rate, 2),
        "int8_min_cosine_to_fp32": round(float(np.min(np.sum(ours * int8_vectors, axis=1))), 4),
        "ours_2_threads_texts_per_s": round(two_rate, 2),
    }
    print(table([result], list(result)))
    save_results("embed", result)


if __name__ == "__main__":
    main()
