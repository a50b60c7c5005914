"""Milliseconds per step of answering one question (the ``timings_ms`` of the contract)."""

from __future__ import annotations

import time


class Clock:
    """Milliseconds since the question arrived, per named step."""

    def __init__(self) -> None:
        self._start = self._last = time.perf_counter()
        self.timings: dict[str, float] = {}

    def mark(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = round((now - self._last) * 1000, 2)
        self._last = now

    def since_start(self) -> float:
        return round((time.perf_counter() - self._start) * 1000, 2)

    def done(self) -> dict[str, float]:
        self.mark("answer")
        return {**self.timings, "total": self.since_start()}
