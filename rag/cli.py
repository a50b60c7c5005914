"""``rag`` command line: ingest, search, ask. A thin shell over the library."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rag.cli_arguments import parser
from rag.offline import apply_offline_env

if TYPE_CHECKING:
    from rag.answering.hits import Hit
    from rag.answering.quote_answers import ShownStatement
    from rag.contract import Answer, ArticleFilter
    from rag.indexing.statements import Statement
    from rag.settings import Settings

apply_offline_env()
log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NO_INDEX = 0, 1, 2, 3
EXIT_STDOUT_CLOSED = 128 + signal.SIGPIPE  # what a shell reports for a writer that `head` hung up on


def _article_filter(args: argparse.Namespace) -> ArticleFilter | None:
    from pydantic import ValidationError

    from rag.contract import ArticleFilter

    try:
        found = ArticleFilter(since=args.since, until=args.until, sources=args.source)
    except ValidationError:
        print("error: --since must not be after --until", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    return found if found.is_set() else None


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rag`` script; returns the exit code.

    SIGPIPE stays ignored (Python's default), so that a write to a closed socket raises instead of
    killing the process: with the signal's default, `rag serve` died when a browser hung up
    mid-reply. A reader of stdout that stops early (`rag quotes | head -1`) ends the command
    quietly; any other broken pipe is an error like the rest.
    """
    args = parser().parse_args(argv)
    try:
        code = _run(args)
        sys.stdout.flush()  # inside the try: a pipe closed early fails here, not at interpreter exit
    except BrokenPipeError:
        if not _stdout_is_closed():
            raise
        # Point stdout at /dev/null so that the interpreter's final flush cannot fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_STDOUT_CLOSED
    return code


def _stdout_is_closed() -> bool:
    """Whether stdout is a pipe or socket whose reader has gone (poll reports an error on it)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))
    except (OSError, ValueError):  # stdout is not a real file descriptor
        return False


def _run(args: argparse.Namespace) -> int:
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # On the handler, not the loggers: bm25s forces its own logger to DEBUG when imported.
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)
    for noisy in ("bm25s", "chromadb", "httpx"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    from pydantic import ValidationError

    from rag.settings import Settings

    try:
        settings = Settings()
        if args.command == "ingest":
            urls = [t for t in args.targets if "://" in t]
            folders = [Path(t) for t in args.targets if "://" not in t]
            if len(folders) > 1:
                print("error: give at most one corpus folder", file=sys.stderr)
                return EXIT_USAGE
            if folders:
                settings = settings.model_copy(update={"corpus_dir": folders[0]})
            if (urls or args.feed) and not _fetch_news(settings, urls, args.feed):
                return EXIT_ERROR
            return _ingest(settings, as_json=args.json, workers=args.workers)
        if args.command == "serve":
            return _serve(settings, args)
        if args.command == "mcp":
            from rag.engine import EngineHolder
            from rag.server.mcp_server import build_mcp

            build_mcp(EngineHolder(settings).current).run("stdio")  # stdout is the protocol: logs go to stderr
            return EXIT_OK
        if args.command == "feedback":
            return _feedback(settings, args)
        if args.command == "eval":
            from evals.runner import main as run_eval

            return run_eval(args)
        if args.command in ("ask", "chat") and not args.local:
            served = _ask_server(settings, args)
            if served is not None:
                return served
        return _query(settings, args)
    except ValidationError as exc:
        print(f"error: invalid setting: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _fetch_news(settings: Settings, urls: list[str], feeds: list[str]) -> bool:
    """Fetch articles and feed items into the corpus folder; whether anything usable came (or was there)."""
    from rag.indexing.news import fetch_news

    settings.corpus_dir.mkdir(parents=True, exist_ok=True)
    report = fetch_news(settings, settings.corpus_dir, urls, feeds)
    for problem in report.problems:
        print(f"warning: not fetched: {problem}", file=sys.stderr)
    for name in report.saved:
        print(f"fetched  {name}")
    if report.problems and not (report.saved or report.unchanged):
        print("error: nothing could be fetched", file=sys.stderr)
        return False
    return True


def _ingest(settings: Settings, as_json: bool, workers: str = "local") -> int:
    from rag.components.store import IndexUnavailableError
    from rag.indexing.ingest import IngestBusyError, ingest

    try:
        report = ingest(settings, progress=sys.stderr.isatty(), workers=workers)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (IngestBusyError, IndexUnavailableError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    for problem in report.problems:
        print(f"warning: skipped {problem}", file=sys.stderr)
    if as_json:
        print(json.dumps(dataclasses.asdict(report), ensure_ascii=False, indent=2))
        return EXIT_OK
    changes = {"added": report.added, "updated": report.updated, "removed": report.removed, "copy": report.copies}
    for label, names in changes.items():
        for name in names:
            print(f"{label:8} {name}")
    print(report.summary())
    return EXIT_OK


def _feedback(settings: Settings, args: argparse.Namespace) -> int:
    from rag.conversations import StoreUnavailableError, store_for

    try:
        found = store_for(settings).feedback()
    except StoreUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.action == "export":
        from evals.feedback import write_drafts

        written = write_drafts(found, args.out)
        print(f"{written} thumbs-down answers written to {args.out} as draft cases: fill in their key_facts")
        return EXIT_OK
    if args.json:
        print(json.dumps([f.model_dump(mode="json") for f in found], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not found:
        print("No feedback yet.")
    for f in found:
        note = f" — {f.comment}" if f.comment else ""
        print(f"{f.created}  {f.rating:4}  {f.conversation_id[:8]}#{f.turn}  {f.question}{note}")
    return EXIT_OK


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from rag.engine import LOOPBACK
    from rag.server import create_app

    update = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings.model_copy(update=update)
    if settings.host not in LOOPBACK and settings.api_key is None:
        print(
            f"warning: serving on {settings.host} without RAG_API_KEY: anyone who can reach it can ask", file=sys.stderr
        )
    # Keep-alive longer than a load balancer's idle timeout (often 60 s): otherwise the server
    # may close a connection just as a busy client reuses it (seen as ReadError under load).
    config = uvicorn.Config(
        create_app(settings), host=settings.host, port=settings.port, log_level="warning", timeout_keep_alive=75
    )
    # Bound now, before the index loads (seconds): the port is ours from here on, and with
    # --port 0 the system picks a free one, printed below (no window for another process to take it).
    sock = config.bind_socket()
    port = sock.getsockname()[1]
    print(f"Newsdesk QA on http://{settings.host}:{port}/ (API docs at /docs)", file=sys.stderr, flush=True)
    uvicorn.Server(config).run(sockets=[sock])
    return EXIT_OK


def _ask_server(settings: Settings, args: argparse.Namespace) -> int | None:
    """``ask`` or ``chat`` through a running ``rag serve``; ``None`` when none answers (then in-process)."""
    from rag.client import ServerError, find_server
    from rag.terminal import run_chat

    client = find_server(settings)
    if client is None:
        log.info("no server ready at %s: answering in this process", settings.server_url or "(RAG_SERVER_URL empty)")
        return None
    log.info("answering through the server at %s", client.url)
    try:
        if args.command == "chat":
            return run_chat(client, settings.low_confidence)
        answer = client.ask(args.question, top_k=args.k, filters=_article_filter(args))
    except ServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE if exc.status in (413, 422) else EXIT_ERROR
    finally:
        client.close()
    _print_answer(answer, args.json, settings.low_confidence)
    return EXIT_OK


def _query(settings: Settings, args: argparse.Namespace) -> int:
    """``search``, ``ask``, ``quotes`` and ``chat`` in this process: load the index once, report a
    missing index or a bad question."""
    from rag.assistant import QuestionError
    from rag.components.store import IndexNotReadyError, IndexUnavailableError
    from rag.engine import load_assistant

    try:
        assistant = load_assistant(settings)
        if args.command == "search":
            hits, searched = assistant.search(args.query, args.k, _article_filter(args))
            _print_hits(args.query, hits, searched)
        elif args.command == "chat":
            from rag.terminal import LocalBackend, run_chat

            return run_chat(LocalBackend(assistant), settings.low_confidence)
        elif args.command == "quotes":
            _article_filter(args)  # a reversed date range is refused here, with the options' names
            found = assistant.quotes(args.speaker, args.source, args.since, args.until)
            _print_quotes(found, [assistant.shown(s) for s in found], args.json)
        else:
            answer = assistant.ask(args.question, top_k=args.k, filters=_article_filter(args))
            _print_answer(answer, args.json, settings.low_confidence)
    except IndexNotReadyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_INDEX
    except QuestionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except IndexUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _print_hits(query: str, hits: list[Hit], searched: str) -> None:
    if searched != query.strip():
        print(f"(searched for: {searched})")
    for rank, hit in enumerate(hits, 1):
        print(f"{rank}. {hit.source} [{hit.start}:{hit.end}] fused={hit.score:.4f} dense={hit.dense:.3f}")
        print(f"   {hit.title}" + (f" ({hit.date})" if hit.date else ""))
        snippet = " ".join(hit.text.split())
        print(f"   {snippet[:300]}{'…' if len(snippet) > 300 else ''}")


def _print_quotes(found: list[Statement], shown: list[ShownStatement], as_json: bool) -> None:
    """Each statement: a quotation in quotation marks, reported speech as its sentence, marked."""
    if as_json:
        rows = [{**s.as_dict(), "display": view.line()} for s, view in zip(found, shown)]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not found:
        print("No statements found.")
    for s, view in zip(found, shown):
        to = f" to {s.addressee}" if s.addressee else ""
        how = f"{s.verb}{to}" if view.direct else f"reported, {s.verb}{to}"
        words = f"“{view.words}”" if view.direct else view.words
        print(f"{s.date or 'undated':10}  {view.who} ({how}): {words}")
        print(f"{'':10}  {s.source} ({s.start}-{s.end})")


def _print_answer(answer: Answer, as_json: bool, low_confidence: float) -> None:
    from rag.terminal import format_answer

    print(
        json.dumps(answer.model_dump(), ensure_ascii=False, indent=2)
        if as_json
        else format_answer(answer, low_confidence)
    )


if __name__ == "__main__":
    sys.exit(main())
