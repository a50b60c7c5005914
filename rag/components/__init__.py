"""The replaceable parts, each built from settings in exactly one place: :func:`build_components`.

The embedder, the Chroma collections (chunks and sentences) with LlamaIndex's vector store
over them, the LLM (OpenAI-compatible, or the scripted one for demos and tests), and the
models the decide stage rates candidate sentences with (the answerability model, the reader).
Each part is built on first use and imported only then, so a caller that needs only the
embedder (ingest, evals) never loads an LLM client, and the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rag.settings import Settings

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.llms import LLM

    from rag.components.answerability_model import AnswerabilityModel
    from rag.components.reader import AnswerReader


@dataclass(frozen=True)
class Stores:
    """The chunk collection, LlamaIndex's vector store over it, and the sentence-vector collection."""

    chunks: Any
    vector_store: Any
    sentences: Any


class Components:
    """The parts an :class:`~rag.assistant.Assistant`, an ingest or an eval run is made of.

    Pass ``embedding`` or ``llm`` to use a ready one (a test's scripted model, an embedder
    already loaded); otherwise each is built from ``settings`` when first asked for.
    """

    def __init__(self, settings: Settings, embedding: BaseEmbedding | None = None, llm: LLM | None = None):
        self.settings = settings
        if embedding is not None:
            self.__dict__["embedding"] = embedding
        if llm is not None:
            self.__dict__["llm"] = llm

    @cached_property
    def embedding(self) -> BaseEmbedding:
        """The embedder the index was built with (``RAG_EMBED_BACKEND``)."""
        from rag.components.embedding import build_embedding

        return build_embedding(self.settings)

    @cached_property
    def llm(self) -> LLM | None:
        """The LLM that writes answers, or ``None`` when answers are extractive."""
        if not self.settings.use_llm():
            return None
        from rag.components.llm import build_llm

        return build_llm(self.settings)

    @cached_property
    def answerability(self) -> AnswerabilityModel:
        """The calibrated answerability model (``RAG_ANSWERABLE_THRESHOLD`` overrides its threshold)."""
        from rag.components.answerability_model import AnswerabilityModel

        return AnswerabilityModel.load(threshold=self.settings.answerable_threshold)

    @cached_property
    def reader(self) -> AnswerReader | None:
        """The trained answer reader, or ``None`` when its model file is not installed."""
        from rag.components.reader import AnswerReader

        return AnswerReader(threads=self.settings.threads) if AnswerReader.available() else None

    def stores(self, create: bool) -> Stores:
        """The index's collections; ``create=False`` raises :class:`rag.components.store.IndexNotReadyError`
        when there is no index yet."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        from rag.components.store import open_collection, open_sentence_collection

        chunks = open_collection(self.settings, create=create)
        return Stores(chunks, ChromaVectorStore(chroma_collection=chunks), open_sentence_collection(self.settings))


def build_components(settings: Settings, embedding: BaseEmbedding | None = None, llm: LLM | None = None) -> Components:
    """The parts ``settings`` name (see :class:`Components`)."""
    return Components(settings, embedding, llm)
