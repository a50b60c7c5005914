"""The chat's memory: saved conversations (open, rename, delete), thumbs up/down with a comment,
exports (Markdown, JSON) and suggested follow-ups. Presentation only: the store is
:class:`rag.conversations.ConversationStore`, the same one the API uses.
"""

from __future__ import annotations

import html
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from rag.contract import Answer
from rag.conversations import (
    LOCAL_OWNER,
    ConversationNotFoundError,
    ConversationStore,
    StoreUnavailableError,
    answer_markdown,
    as_json,
    as_markdown,
)
from ui.render import passage_card, render_answer

if TYPE_CHECKING:
    from rag.engine import EngineHolder


@cache
def _exports() -> Path:
    """Where download files are written (a temporary folder, made on the first export)."""
    return Path(tempfile.mkdtemp(prefix="newsdesk-exports-"))


def owner_of_request(request: gr.Request | None, owners: dict[str, str]) -> str:
    """Whose conversations this browser sees: the key its user logged in with, or "local" without keys."""
    user = getattr(request, "username", None) if request is not None else None
    return owners.get(user, LOCAL_OWNER) if user else LOCAL_OWNER


def save_turn(
    store: ConversationStore, owner: str, cid: str | None, question: str, answer: Answer
) -> tuple[str | None, int | None, str]:
    """Save a turn (starting the conversation on its first one): ``(id, turn, note)``. A store that
    cannot be used does not stop the chat: the answer is shown with a note that it was not saved."""
    try:
        if cid is None:
            cid = store.create(owner).id
        return cid, store.add_turn(owner, cid, question, answer), ""
    except (StoreUnavailableError, ConversationNotFoundError) as exc:
        return cid, None, f'<div class="fallback-note">Not saved: {html.escape(str(exc))}</div>'


def choices(store: ConversationStore, owner: str) -> Any:
    """The saved-conversation picker's choices, newest first."""
    try:
        found = store.summaries(owner)
    except StoreUnavailableError:
        return gr.update(choices=[], value=None)
    return gr.update(choices=[(f"{c.title} ({c.turns})", c.id) for c in found], value=None)


def reopen(
    store: ConversationStore, owner: str, cid: str | None, engine: EngineHolder
) -> tuple[list[dict[str, Any]], list[dict[str, str]], str, str | None, list[int | None], dict[str, Any] | None]:
    """A saved conversation back in the chat: ``(chat, history, sources panel, id, turn map, last answer)``."""
    if not cid:
        return [], [], "", None, [], None
    conversation = store.get(owner, cid)
    assistant = engine.current()
    chat: list[dict[str, Any]] = []
    turn_map: list[int | None] = []
    panel = ""
    for t in conversation.items:
        shown = f"r{cid[:6]}{t.turn}"  # chip ids of reopened turns never clash with live ones
        rendered = render_answer(t.answer, shown, assistant.settings.low_confidence)
        chat += [{"role": "user", "content": html.escape(t.question)}, {"role": "assistant", "content": rendered}]
        turn_map += [None, t.turn]
        cards = [passage_card(c, shown, _text(assistant, c.source)) for c in t.answer.citations]
        if cards:
            panel = f'<div class="src-group">{html.escape(t.question)}</div>' + "".join(cards) + panel
    last = conversation.items[-1].answer.model_dump() if conversation.items else None
    return chat, conversation.history_dicts(), panel, cid, turn_map, last


def export_files(store: ConversationStore, owner: str, cid: str | None, last: dict[str, Any] | None) -> tuple[Any, ...]:
    """Files for the three download buttons: the last answer (.md), the conversation (.md, .json)."""
    if last is None:
        return gr.update(value=None), gr.update(value=None), gr.update(value=None)
    answer = Answer.model_validate(last)
    answer_md = _exports() / f"answer-{abs(hash(answer.answer)) % 10**8}.md"
    answer_md.write_text(f"# {answer.question}\n\n{answer_markdown(answer)}\n", "utf-8")
    if cid is None:
        return str(answer_md), gr.update(value=None), gr.update(value=None)
    try:
        conversation = store.get(owner, cid)
    except (StoreUnavailableError, ConversationNotFoundError):
        return str(answer_md), gr.update(value=None), gr.update(value=None)
    md, js = _exports() / f"conversation-{cid[:8]}.md", _exports() / f"conversation-{cid[:8]}.json"
    md.write_text(as_markdown(conversation), "utf-8")
    js.write_text(as_json(conversation), "utf-8")
    return str(answer_md), str(md), str(js)


def follow_up_samples(engine: EngineHolder, last: dict[str, Any] | None, history: list[dict[str, str]]) -> Any:
    """The suggested follow-ups of the last answer (checked answerable), as clickable samples."""
    if last is None:
        return gr.update(samples=[], visible=False)
    found = engine.current().follow_ups(Answer.model_validate(last), history[:-2])
    return gr.update(samples=[[q] for q in found], visible=bool(found))


def _text(assistant: Any, source: str) -> str | None:
    try:
        return str(assistant.source_text(source)[1])
    except KeyError:
        return None
