"""Store writes in a background thread, so that the next batch embeds while one is written."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType


class BackgroundWriter:
    """Runs one write at a time, in order, beside the caller: ``submit`` first waits for the write
    before it (so at most one batch is in flight, and batches land in the order given), and a
    write's error is raised by the next ``submit`` or by leaving the ``with`` block."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        self._last: Future[None] | None = None

    def submit(self, write: Callable[[], None]) -> None:
        """Start ``write`` once the previous write is done."""
        self.wait()
        self._last = self._pool.submit(write)

    def wait(self) -> None:
        """Block until the last write is done; raise its error, if any."""
        last, self._last = self._last, None
        if last is not None:
            last.result()

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if kind is None:
                self.wait()  # an error of the last write surfaces here
            elif self._last is not None:
                self._last.exception()  # already failing: let the write finish, keep the first error
        finally:
            self._pool.shutdown(wait=True)
