"""What an ingest did, file by file, and how long each step took."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rag.indexing.corpus import FileProblem


@dataclass
class IngestReport:
    """What an ingest did, file by file."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)
    """Files not indexed because they are copies of another ("copy of <file>")."""
    chunks_embedded: int = 0
    chunks_total: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds per step: model load, read, chunk, embed, write (Chroma), bm25 (rebuild)."""

    def summary(self) -> str:
        """One line a person reads."""
        where = ", ".join(f"{name} {secs:.1f}" for name, secs in self.phases.items() if secs >= 0.05)
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, skipped {len(self.skipped)} unchanged, "
            f"removed {len(self.removed)}, {len(self.problems)} problem file(s)"
            + (f", {len(self.copies)} syndicated copy/copies counted once" if self.copies else "")
            + "; "
            f"{self.chunks_embedded} chunks embedded, {self.chunks_total} in the index ({self.seconds:.1f} s"
            + (f": {where}" if where else "")
            + ")"
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain data (what a Ray task sends back to the driver)."""
        return dataclasses.asdict(self)

    def merge(self, other: dict[str, Any]) -> None:
        """Add another report's files, counts and step times (a Ray task's :meth:`as_dict`) to this one."""
        for name in ("added", "updated", "skipped", "removed", "copies"):
            getattr(self, name).extend(other[name])
        self.problems.extend(FileProblem(**p) for p in other["problems"])
        self.chunks_embedded += other["chunks_embedded"]
        for phase, secs in other["phases"].items():
            self.phases[phase] = self.phases.get(phase, 0.0) + secs

    @contextmanager
    def timing(self, phase: str) -> Iterator[None]:
        """Add the time the block takes to ``phases[phase]``."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[phase] = self.phases.get(phase, 0.0) + time.perf_counter() - started
