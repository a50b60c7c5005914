"""The server's one Assistant: loaded once, swapped (never mutated) after an ingest."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from rag.assistant import Assistant
from rag.components.store import (
    IndexNotReadyError,
    IndexUnavailableError,
    embedded_index_problem,
    forget_embedded_clients,
    indexed_corpus_dir,
)
from rag.indexing.ingest import IngestReport, ingest
from rag.indexing.news import NewsReport, fetch_news
from rag.indexing.statement_store import sync_statements
from rag.indexing.uploads import UploadError, check_upload, save_upload
from rag.settings import Settings

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
STARTING = "starting"

log = logging.getLogger(__name__)


def load_assistant(settings: Settings) -> Assistant:
    """An :class:`Assistant` over the index, with the quotes index (derived from it, like BM25)
    first brought in step: an ingest killed between its Chroma writes and the quotes index, or
    another writer of a shared Chroma, left it behind. Answering never writes; loading may."""
    assistant = Assistant(settings)
    sync_statements(assistant.statements, assistant.corpus_dir, assistant.sources(), settings.max_file_bytes)
    return assistant


class EngineHolder:
    """Holds the current :class:`Assistant` for every request.

    Requests read ``current()`` without a lock; a reload builds a whole new Assistant
    and swaps the reference, so a request in flight finishes on the one it started with.
    """

    def __init__(self, settings: Settings, factory: Callable[[Settings], Assistant] = load_assistant):
        self.settings = settings
        self._factory = factory
        self._assistant: Assistant | None = None
        self._not_ready = STARTING
        self._load_lock = threading.Lock()
        self._ingest_lock = threading.Lock()

    @property
    def not_ready_reason(self) -> str | None:
        """Why there is no Assistant, or ``None`` when there is one."""
        return None if self._assistant is not None else self._not_ready

    def load(self) -> Assistant | None:
        """(Re)build the Assistant from the index; ``None`` (and a reason) when there is no index."""
        with self._load_lock:
            try:
                assistant = self._factory(self.settings)
            except (IndexNotReadyError, IndexUnavailableError) as exc:  # retried on the next request
                self._assistant, self._not_ready = None, str(exc)
                forget_embedded_clients()  # so the retry sees an index re-created meanwhile
                log.warning("not ready: %s", exc)
                return None
            self._assistant = assistant
            return assistant

    def current(self) -> Assistant:
        """The Assistant; tries to load one if there is none yet (an ingest may have made the index).

        An index deleted or truncated under the server makes it not ready (503 with the reason)
        instead of answering from what Chroma still holds in memory.
        """
        assistant = self._assistant
        problem = embedded_index_problem(self.settings) if assistant is not None else None
        if problem:
            with self._load_lock:
                self._assistant, self._not_ready = None, problem
                forget_embedded_clients()
            log.warning("not ready: %s", problem)
            raise IndexNotReadyError(problem)
        if assistant is None:
            assistant = self.load()
        if assistant is None:
            raise IndexNotReadyError(self._not_ready)
        return assistant

    def corpus_dir(self) -> Path:
        """Where uploads go: the folder the index was built from, else the configured one."""
        assistant = self._assistant
        return assistant.corpus_dir if assistant is not None else indexed_corpus_dir(self.settings)

    def _check_writable(self, what: str) -> None:
        """Writes to the corpus need a key unless only this machine can reach the server."""
        if self.settings.api_key is None and self.settings.host not in LOOPBACK:
            raise UploadError("key_required", f"{what} need RAG_API_KEY when the server is not bound to loopback")

    def add_articles(self, uploads: list[tuple[str, bytes]]) -> tuple[list[str], list[str], IngestReport]:
        """Save uploaded articles into the corpus folder and index them.

        Every upload is checked before any is written; returns (saved, unchanged, report).
        Raises :class:`UploadError` for a refused upload, nothing written for it or after it.
        """
        settings = self.settings
        self._check_writable("uploads")
        if len(uploads) > settings.max_upload_files:
            raise UploadError("too_many_files", f"{len(uploads)} files; the limit is {settings.max_upload_files}")
        for name, data in uploads:  # all checked before any is written
            check_upload(name, data, settings.max_upload_bytes)
        corpus_dir = self.corpus_dir()
        saved: list[str] = []
        unchanged: list[str] = []
        for name, data in uploads:
            safe, written = save_upload(corpus_dir, name, data, settings.max_upload_bytes)
            (saved if written else unchanged).append(safe)
        return saved, unchanged, self.ingest(corpus_dir)

    def add_from_web(self, urls: Sequence[str], feeds: Sequence[str] = ()) -> tuple[NewsReport, IngestReport]:
        """Fetch article URLs and feeds' new items into the corpus folder (``web/``) and index them.

        Raises :class:`UploadError` when fetching is not allowed here (no key on a public bind) or
        the request is too large; what cannot be fetched is in the news report's problems."""
        settings = self.settings
        self._check_writable("fetching articles")
        if (asked := len(urls) + len(feeds)) > settings.max_upload_files:
            raise UploadError("too_many_files", f"{asked} URLs; the limit is {settings.max_upload_files}")
        corpus_dir = self.corpus_dir()
        news = fetch_news(settings, corpus_dir, urls, feeds)
        if news.saved:
            return news, self.ingest(corpus_dir)
        assistant = self._assistant  # nothing new: the index stays as it is
        return news, IngestReport(chunks_total=sum(s.chunks for s in assistant.sources()) if assistant else 0)

    def ingest(self, corpus_dir: Path) -> IngestReport:
        """Index ``corpus_dir`` incrementally, then swap in an Assistant that sees the result."""
        with self._ingest_lock:
            report = ingest(self.settings, corpus_dir)
            self.load()
            return report
