"""``rag ingest --workers ray``: the file list split across a Ray cluster, all writing to one Chroma server.

Each Ray task reads, chunks and embeds its share of the files with the same code as a
single-process ingest (:func:`rag.indexing.ingest.index_files`) and writes to the shared
Chroma server (``RAG_CHROMA_URL``); the driver then removes what is gone, rebuilds BM25 and
the quotes index once. Chunk ids are deterministic (file, content and pipeline version,
position, count), so a task that dies and is retried by Ray writes the same ids again: no
duplicate, and no gap (a file whose chunks are incomplete is redone). Ray is an optional
extra (``pip install -e '.[distributed]'``), imported only here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag.settings import Settings

IndexFiles = Callable[..., bool]  # rag.indexing.ingest.index_files, passed in (no import back into ingest)

log = logging.getLogger(__name__)
FILES_PER_TASK = 8  # small tasks: a retried one redoes little, and the workers stay evenly busy


def _index_share(
    settings: Settings, corpus_dir: str, paths: list[str], index_files: IndexFiles, new_report: Callable[[], Any]
) -> dict[str, Any]:
    """One Ray task: index ``paths`` (relative to ``corpus_dir``) into the shared store."""
    fault = os.environ.get("RAG_INGEST_FAULT_MARKER")  # tests: the first task to get here dies mid-share
    # A task holds one of the cluster's CPUs (Ray's default), so its embedder keeps to one thread:
    # with every core per task, a node running a task per core would run cores² threads.
    settings = settings.model_copy(update={"ingest_threads": settings.ingest_threads or 1})
    report = new_report()
    files = [Path(corpus_dir) / p for p in paths]
    if fault and not Path(fault).exists():
        Path(fault).write_text(str(os.getpid()))
        index_files(settings, Path(corpus_dir), files[: len(files) // 2], report)
        os._exit(1)  # the worker process is gone, half of its share written: Ray retries the task
    index_files(settings, Path(corpus_dir), files, report)
    return report.as_dict()


def ingest_on_ray(
    settings: Settings, corpus_dir: Path, files: list[Path], report: Any, index_files: IndexFiles
) -> None:
    """Index ``files`` on the Ray cluster at ``RAG_RAY_ADDRESS`` (a local one when unset) with
    ``index_files`` (the single-process step, run by each task); their outcome is merged into
    ``report`` (an :class:`~rag.indexing.ingest.IngestReport`). Needs a Chroma server every worker can reach."""
    if not settings.chroma_url:
        raise ValueError("--workers ray writes from many processes: set RAG_CHROMA_URL to a `chroma run` server")
    try:
        import ray
    except ImportError as exc:
        raise ValueError("--workers ray needs Ray: pip install -e '.[distributed]'") from exc

    if not ray.is_initialized():
        ray.init(
            address=settings.ray_address,
            num_cpus=None if settings.ray_address else settings.ray_num_cpus,
            include_dashboard=False,
            log_to_driver=False,
            # a local cluster gets this machine's cores; workers see the same files and settings
            runtime_env={"env_vars": {k: v for k, v in os.environ.items() if k.startswith(("RAG_", "HF_", "OPENAI_"))}},
        )
    task = ray.remote(max_retries=3, retry_exceptions=False)(_index_share)
    names = [str(p.relative_to(corpus_dir)) for p in files]
    shares = [names[i : i + FILES_PER_TASK] for i in range(0, len(names), FILES_PER_TASK)]
    with report.timing("workers"):
        new_report = type(report)
        done = ray.get([task.remote(settings, str(corpus_dir), s, index_files, new_report) for s in shares])
    for part in done:
        report.merge(part)
    log.info("%d files in %d Ray tasks", len(names), len(shares))
