"""``rag chat``: an interactive chat in the terminal, and how answers are printed there.

The model is loaded once (or not at all when a server answers): each question costs the
answer only. History makes follow-ups work ("What did he say about Zelensky?"), ``[n]``
sources are printed under each answer, ``/sources N`` shows a cited passage in its
article with the quote highlighted, ``/new`` starts over, ``/quit`` (or Ctrl-D) leaves.
Line editing and history come from the standard library's ``readline``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from rag.contract import Answer, Message

if TYPE_CHECKING:
    from rag.assistant import Assistant

HELP = "Ask about the articles. /sources N shows a cited passage, /new starts over, /quit leaves."
CONTEXT_CHARS = 300  # of the article, each side of a quote shown by /sources


class ChatBackend(Protocol):
    """What the chat needs: a running server's client, or an in-process Assistant (:class:`LocalBackend`)."""

    def ask(self, question: str, history: Sequence[Message]) -> Answer: ...

    def source_text(self, name: str) -> tuple[str, str]: ...


class LocalBackend:
    """An in-process Assistant as a :class:`ChatBackend`."""

    def __init__(self, assistant: Assistant):
        self._assistant = assistant

    def ask(self, question: str, history: Sequence[Message]) -> Answer:
        return self._assistant.ask(question, history)

    def source_text(self, name: str) -> tuple[str, str]:
        info, text = self._assistant.source_text(name)
        return info.title, text


def format_answer(answer: Answer, low_confidence: float) -> str:
    """The answer as the terminal shows it: a low-confidence note, the text, a fallback note, the sources."""
    lines = []
    if not answer.abstained and answer.confidence is not None and answer.confidence < low_confidence:
        lines.append(f"(Low confidence, {answer.confidence:.0%}: check the sources.)")
    lines.append(answer.answer)
    if answer.fallback:
        lines.append(f"\n(The LLM's answer was replaced by quoted sentences: {answer.fallback}; {answer.error})")
    if answer.citations:
        lines += ["\nSources:", answer.sources_text()]
    return "\n".join(lines)


def passage(text: str, start: int, end: int, highlight: bool) -> str:
    """The quote ``text[start:end]`` in its surroundings, highlighted (reverse video on a terminal)."""
    before = text[max(0, start - CONTEXT_CHARS) : start]
    after = text[end : end + CONTEXT_CHARS]
    before = before[before.find("\n") + 1 :] if "\n" in before else ("…" if start > CONTEXT_CHARS else "") + before
    after = after[: after.find("\n")] if "\n" in after else after + ("…" if end + CONTEXT_CHARS < len(text) else "")
    quote = f"\x1b[7m{text[start:end]}\x1b[0m" if highlight else f"»{text[start:end]}«"
    return f"{before}{quote}{after}"


def run_chat(
    backend: ChatBackend,
    low_confidence: float,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> int:
    """The chat loop, until /quit or end of input; returns the exit code."""
    with contextlib.suppress(ImportError):  # not on every platform
        import readline  # noqa: F401  (line editing and history for input())
    highlight = sys.stdout.isatty()
    history: list[Message] = []
    last: Answer | None = None
    write(HELP)
    while True:
        try:
            line = read("you> ").strip()
        except EOFError:
            write("")
            return 0
        except KeyboardInterrupt:
            write("")
            continue
        if not line:
            continue
        if line in ("/quit", "/exit", "/q"):
            return 0
        if line == "/new":
            history, last = [], None
            write("(A new conversation.)")
            continue
        if line.startswith("/sources"):
            write(_show_source(backend, last, line.removeprefix("/sources").strip(), highlight))
            continue
        if line.startswith("/"):
            write(f"Unknown command {line.split()[0]}. {HELP}")
            continue
        try:
            answer = backend.ask(line, history)
        except Exception as exc:  # a bad question or a server error: say so, keep the conversation
            write(f"error: {exc}")
            continue
        write(format_answer(answer, low_confidence))
        history += [Message(role="user", content=line), Message(role="assistant", content=answer.answer)]
        last = answer


def _show_source(backend: ChatBackend, last: Answer | None, which: str, highlight: bool) -> str:
    if last is None or not last.citations:
        return "No sources yet: ask a question first."
    if not which.isdigit() or not 1 <= int(which) <= len(last.citations):
        return f"Which source? /sources 1 to /sources {len(last.citations)}."
    cited = last.citations[int(which) - 1]
    try:
        title, text = backend.source_text(cited.source)
    except Exception as exc:
        return f"error: {exc}"
    header = f"[{cited.id}] {cited.source} ({cited.start}-{cited.end}) {title}" + (
        f", {cited.date}" if cited.date else ""
    )
    return f"{header}\n{passage(text, cited.start, cited.end, highlight)}"
