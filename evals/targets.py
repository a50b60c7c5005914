"""What an eval runs against: the assistant in-process, a running server, or the plain baseline."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from rag.contract import Answer, Citation, Message

# The splits the shipped models are fitted on (`--fit-splits` of the scripts names others). The
# answerability model (`python -m evals.calibrate`): dev. The answer reader (`make train-reader`):
# dev and test3 to test6, retired into its fitting pool in the ninth session once each had been
# read case by case (evals/README.md). rag eval still reports them, marked as fitted on; test,
# test2, test7, test8, test9 and test10 stay measurements.
FIT_SPLITS = ("dev",)
READER_FIT_SPLITS = ("dev", "test3", "test4", "test5", "test6")


def split_label(split: str) -> str:
    """The split's name as reports print it: a split a shipped model is fitted on says so."""
    return f"{split} (fitted on)" if split in READER_FIT_SPLITS else split


def fit_splits(value: str) -> tuple[str, ...]:
    """The splits a fitting script reads, from its ``--fit-splits`` option ("dev,test3")."""
    return tuple(s.strip() for s in value.split(",") if s.strip())


class Case(BaseModel):
    """One question of a suite."""

    id: str
    split: str = Field(
        "test", description="'dev' (tune on these); 'test' to 'test10' (report on these; see READER_FIT_SPLITS)."
    )
    category: str
    question: str
    expected_sources: list[str] = Field(default_factory=list)
    key_facts: list[list[str]] = Field(default_factory=list)
    reference: str = ""
    history: list[Message] = Field(default_factory=list)
    must_refuse: bool = False


def fitting_cases(cases: list[Case], splits: tuple[str, ...]) -> list[Case]:
    """The cases of ``splits`` a model can be fitted on: those with key facts or due a refusal
    (a draft from feedback whose key facts nobody has filled yet has neither)."""
    return [c for c in cases if c.split in splits and (c.must_refuse or c.key_facts)]


@dataclass
class Reply:
    """An answer, the ranked passages retrieval found for the question, and the time it took."""

    answer: Answer
    retrieved: list[tuple[str, str]]  # (source, text), best first
    latency_ms: float
    extra: dict[str, Any] = field(default_factory=dict)


class Target(Protocol):
    """Something that answers cases."""

    name: str

    def run(self, case: Case) -> Reply: ...


class AssistantTarget:
    """The assistant, in this process."""

    def __init__(self, assistant: Any):
        self.assistant = assistant
        self.name = f"newsdesk-qa ({assistant.mode})"

    def run(self, case: Case) -> Reply:
        started = time.perf_counter()
        answer = self.assistant.ask(case.question, case.history)
        latency = (time.perf_counter() - started) * 1000
        hits, _ = self.assistant.retrieve(answer.condensed_question or case.question, self.assistant.settings.top_k)
        return Reply(answer, [(h.source, h.text) for h in hits], latency)


class UrlTarget:
    """A running server, over HTTP (``/api/ask`` and ``/api/search``)."""

    def __init__(self, url: str, api_key: str | None = None):
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=120)
        self.name = f"server at {url}"

    def run(self, case: Case) -> Reply:
        started = time.perf_counter()
        response = self.client.post(
            "/api/ask", json={"question": case.question, "history": [m.model_dump() for m in case.history]}
        )
        response.raise_for_status()
        latency = (time.perf_counter() - started) * 1000
        answer = Answer.model_validate(response.json())
        found = self.client.post("/api/search", json={"query": answer.condensed_question or case.question})
        found.raise_for_status()
        return Reply(answer, [(h["source"], h["text"]) for h in found.json()["hits"]], latency)


class BaselineTarget:
    """The plain LlamaIndex pipeline: default splitter, vector index over the same embedding,
    no fusion, no answerer: the top-1 chunk is the answer (cited as a whole)."""

    name = "baseline (plain LlamaIndex, top-1 chunk)"

    def __init__(self, corpus_dir: Path, embedding: Any, top_k: int = 5):
        from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        # The reader warns once per file that PDF/DOCX readers are missing; the corpus is plain text.
        logging.getLogger("llama_index.core.readers.file.base").setLevel(logging.ERROR)
        documents = SimpleDirectoryReader(str(corpus_dir), filename_as_id=True).load_data()
        for doc in documents:
            doc.metadata["source"] = Path(doc.metadata["file_path"]).relative_to(corpus_dir.resolve()).as_posix()
        index = VectorStoreIndex.from_documents(documents, embed_model=embedding, transformations=[SentenceSplitter()])
        self.retriever = index.as_retriever(similarity_top_k=top_k)
        self.corpus_dir = corpus_dir

    def run(self, case: Case) -> Reply:
        started = time.perf_counter()
        nodes = self.retriever.retrieve(case.question)
        top = nodes[0].node
        source = top.metadata["source"]
        start, end = getattr(top, "start_char_idx", 0) or 0, getattr(top, "end_char_idx", 0) or 0
        quote = (self.corpus_dir / source).read_text("utf-8")[start:end]
        answer = Answer(
            question=case.question,
            answer=f"{' '.join(top.get_content().split())} [1]",
            abstained=False,
            mode="baseline",
            citations=[Citation(id=1, source=source, start=start, end=end, quote=quote, score=nodes[0].score or 0)],
        )
        latency = (time.perf_counter() - started) * 1000
        return Reply(answer, [(n.node.metadata["source"], n.node.get_content()) for n in nodes], latency)
