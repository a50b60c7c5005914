"""The ``rag`` command line's arguments (:func:`parser`); :mod:`rag.cli` runs the commands."""

from __future__ import annotations

import argparse
from pathlib import Path


def parser() -> argparse.ArgumentParser:
    """The ``rag`` command line's commands and options."""
    top = argparse.ArgumentParser(prog="rag", description="Newsdesk QA: cited answers from news articles.")
    top.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index a folder of articles (incremental), fetching article URLs and feeds first")
    p.add_argument(
        "targets",
        nargs="*",
        metavar="DIR_OR_URL",
        help="corpus folder (default: RAG_CORPUS_DIR or seeds/) and/or article URLs to fetch into it (under web/)",
    )
    p.add_argument("--feed", action="append", default=[], metavar="URL", help="an RSS/Atom feed: fetch its new items")
    p.add_argument("--json", action="store_true", help="print the report (files, chunks, seconds per step) as JSON")
    p.add_argument(
        "--workers",
        choices=["local", "ray"],
        default="local",
        help="ray: spread it over a Ray cluster (RAG_RAY_ADDRESS; needs RAG_CHROMA_URL and the distributed extra)",
    )

    p = sub.add_parser("search", help="show the ranked passages for a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=None, help="number of passages")
    _filter_arguments(p)

    p = sub.add_parser("ask", help="answer a question with cited passages")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=None, help="passages handed to the answerer")
    p.add_argument("--json", action="store_true", help="print the answer contract as JSON")
    _local_argument(p)
    _filter_arguments(p)

    p = sub.add_parser("chat", help="chat in the terminal (history, follow-ups, /sources N, /new, /quit)")
    _local_argument(p)

    p = sub.add_parser("quotes", help="who said what: quotations and reported statements, newest first")
    p.add_argument("speaker", nargs="?", help="words of the speaker's name or role (default: everyone)")
    p.add_argument("--json", action="store_true", help="print the statements as JSON")
    _filter_arguments(p)

    p = sub.add_parser("eval", help="run an eval suite and write reports (see evals/README.md)")
    p.add_argument("--suite", type=Path, default=Path("evals/golden.jsonl"), help="JSONL suite")
    p.add_argument("--mode", choices=["extractive", "llm"], help="answerer (default: as configured)")
    p.add_argument("--judge", choices=["heuristic", "llm"], default="heuristic")
    p.add_argument("--out", type=Path, help="report folder (default reports/<date-time>)")
    p.add_argument("--url", help="evaluate a running server instead of the library in-process")
    p.add_argument("--baseline", action="store_true", help="also run the plain LlamaIndex pipeline")
    p.add_argument("--compare", type=Path, help="an earlier report folder: flag regressions")
    p.add_argument(
        "--check-judge", nargs="?", const="evals/judge_check.jsonl", help="score the judge on known verdicts"
    )
    p.add_argument("--limit", type=int, default=0, help="only the first N cases")
    p.add_argument(
        "--split",
        choices=["dev", "test", *(f"test{n}" for n in range(2, 11)), "all"],
        default="all",
        help="cases of one split (thresholds gate 'test')",
    )
    p.add_argument("--fast", action="store_true", help="the CI subset: two cases of every category (fast thresholds)")
    p.add_argument(
        "--quotes", nargs="?", const="evals/quotes.jsonl", help="score the statement extractor on labelled quotes"
    )

    p = sub.add_parser("feedback", help="ratings of answers in saved conversations; drafts of eval cases")
    action = p.add_subparsers(dest="action", required=True)
    q = action.add_parser("list", help="every rating, oldest first")
    q.add_argument("--json", action="store_true", help="print the ratings with their answers as JSON")
    q = action.add_parser("export", help="each thumbs-down as a draft eval case (golden format, key_facts to fill)")
    q.add_argument("--out", type=Path, default=Path("evals/from_feedback.jsonl"), help="JSONL file to write")

    p = sub.add_parser("serve", help="start the web chat, the HTTP API and the OpenAI-compatible API")
    p.add_argument("--host", default=None, help="address to bind (default: RAG_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default: RAG_PORT or 7860; 0: any free port, printed)")

    sub.add_parser("mcp", help="serve the answers to an MCP client (Claude Desktop, an IDE, an agent) over stdio")
    return top


def _local_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--local", action="store_true", help="answer in this process even when a server answers at RAG_SERVER_URL"
    )


def _filter_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", type=_iso_date, help="only articles dated on or after YYYY-MM-DD")
    p.add_argument("--until", type=_iso_date, help="only articles dated on or before YYYY-MM-DD")
    p.add_argument("--source", action="append", default=[], help="only this article (repeatable)")


def _iso_date(text: str) -> str:
    import datetime

    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc
