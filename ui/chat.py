"""The Gradio chat: presentation only; every answer comes from the server's Assistant."""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import gradio as gr

from rag.answering.quote_answers import shown_statement
from rag.contract import AnswerDelta, ArticleFilter, Message
from rag.conversations import ConversationNotFoundError, ConversationStore, StoreUnavailableError
from rag.indexing.uploads import UploadError
from ui.conversations import choices, export_files, follow_up_samples, owner_of_request, reopen, save_turn
from ui.render import CONTEXT_CHARS, passage_card, render_answer

if TYPE_CHECKING:
    from rag.engine import EngineHolder

EXAMPLES = [
    "What did Witkoff say?",
    "How many people were injured in the drone attack on Kyiv?",
    "Why did Trump cancel the Tomahawk missile package?",
    "What did he say about Zelensky?",
]


def quotes_view(engine: EngineHolder, speaker: str | None = None) -> str:
    """The Quotes tab: one row per statement (speaker, words, article, date), newest first; a click
    on a row opens the passage in its article with the statement highlighted."""
    try:
        assistant = engine.current()
        found = assistant.quotes((speaker or "").strip() or None)
        titles = {s.source: s.title for s in assistant.sources()}
    except Exception as exc:  # no index yet: say so instead of failing the tab
        return f'<div class="abstain">Not ready: {html.escape(str(exc))}</div>'
    if not found:
        return '<div class="abstain">No statements found for this speaker.</div>'
    rows = [f'<div class="quote-count">{len(found)} statement(s)</div>']
    texts: dict[str, str | None] = {}
    for s in found[:300]:
        if s.source not in texts:
            texts[s.source] = _text_of(assistant, s.source)
        text = texts[s.source]
        if text is None:
            continue
        before = text[max(0, s.context_start - CONTEXT_CHARS) : s.start]
        after = text[s.end : s.context_end + CONTEXT_CHARS]
        passage = f"…{html.escape(before)}<mark>{html.escape(s.text)}</mark>{html.escape(after)}…"
        to = f" → {html.escape(s.addressee)}" if s.addressee else ""
        view = shown_statement(s, text)
        words = (
            f'<span class="what direct">“{html.escape(view.words)}”</span>'
            if view.direct  # only the speaker's own words go in quotation marks
            else f'<span class="what reported"><span class="tag">reported</span> {html.escape(view.words)}</span>'
        )
        rows.append(
            f'<details class="quote-row" data-source="{html.escape(s.source)}" data-kind="{s.kind}">'
            f'<summary><span class="who">{html.escape(view.who)}{to}</span>'
            f"{words}"
            f'<span class="meta">{html.escape(titles.get(s.source) or s.source)}</span>'
            f'<span class="meta">{html.escape(s.date or "undated")}</span></summary>'
            f'<div class="src-text">{passage}</div>'
            f'<div class="meta">{html.escape(s.source)}, chars {s.start}–{s.end}</div></details>'
        )
    return "".join(rows)


def article_filter(since: str, until: str, only: list[str] | None) -> ArticleFilter | None:
    """The chat's filter row as a filter (``None`` when empty); ``ValueError`` naming a bad field."""
    from pydantic import ValidationError

    fields: dict[str, Any] = {"sources": list(only or [])}
    for name, value in (("since", since), ("until", until)):
        if (value or "").strip():
            fields[name] = value.strip()
    try:
        found = ArticleFilter(**fields)
    except ValidationError as exc:
        where = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"]) or "since/until"
        raise ValueError(f"Filter not applied: {where} must be a date (YYYY-MM-DD), since before until.") from exc
    return found if found.is_set() else None


def mode_line(engine: EngineHolder) -> str:
    """Which answerer replies, and how to switch."""
    try:
        assistant = engine.current()
    except Exception as exc:  # no index yet: say so instead of failing the page
        return f"**Not ready:** {exc}"
    if assistant.mode == "llm":
        name = getattr(assistant, "model_name", "?")
        return f"Answers are written by the LLM **{name}** and checked against the passages."
    return (
        "Answers are **offline extractive**: sentences quoted from the articles. "
        "For written answers, set `OPENAI_API_KEY` or `RAG_LLM_BASE_URL` and restart."
    )


def sources_table(engine: EngineHolder) -> list[list[Any]]:
    """Rows of the Sources tab."""
    try:
        assistant = engine.current()
        also = assistant.copies.also_published
        return [[s.source, s.title, s.date or "", s.chunks, ", ".join(also(s.source))] for s in assistant.sources()]
    except Exception:
        return []


def build_ui(engine: EngineHolder, store: ConversationStore, owners: dict[str, str] | None = None) -> gr.Blocks:
    """The chat page; ``engine`` is the server's, so UI and API answer alike; conversations are saved
    in ``store`` under the owner of the key the user logged in with (``owners``: user name → owner)."""
    turns = itertools.count(1)
    owners = owners if owners is not None else {}

    def respond(
        question: str,
        chat: list[dict[str, Any]],
        history: list[dict[str, str]],
        panel: str,
        since: str,
        until: str,
        only: list[str] | None,
        cid: str | None,
        turn_map: list[int | None],
        last: dict[str, Any] | None,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        question = (question or "").strip()
        if not question:
            yield gr.skip(), chat, history, panel, cid, turn_map, last
            return
        try:
            filters = article_filter(since, until, only)
        except ValueError as exc:
            chat = [*chat, {"role": "assistant", "content": f'<div class="abstain">{html.escape(str(exc))}</div>'}]
            yield gr.skip(), chat, history, panel, cid, turn_map, last
            return
        turn = next(turns)
        chat = [*chat, {"role": "user", "content": html.escape(question)}, {"role": "assistant", "content": "…"}]
        turn_map = [*turn_map, None, None]
        yield "", chat, history, panel, cid, turn_map, last
        try:
            assistant = engine.current()
            written, answer = "", None
            for event in assistant.stream(question, [Message(**m) for m in history], None, filters):
                if isinstance(event, AnswerDelta):
                    written += event.text
                    chat[-1] = {"role": "assistant", "content": html.escape(written)}
                    yield "", chat, history, panel, cid, turn_map, last
                else:
                    answer = event.answer
            assert answer is not None, "the stream ended without its final event"
        except Exception as exc:  # a readable message in the chat, never a trace
            chat[-1] = {"role": "assistant", "content": f'<div class="abstain">Sorry: {html.escape(str(exc))}</div>'}
            yield "", chat, history, panel, cid, turn_map, last
            return
        cid, saved, note = save_turn(store, owner_of_request(request, owners), cid, question, answer)
        shown = render_answer(answer, turn, assistant.settings.low_confidence) + note
        chat[-1] = {"role": "assistant", "content": shown}
        turn_map = [*turn_map[:-1], saved]
        history = [*history, {"role": "user", "content": question}, {"role": "assistant", "content": answer.answer}]
        cards = [passage_card(c, turn, _text_of(assistant, c.source)) for c in answer.citations]
        asked = answer.condensed_question or question
        if cards:
            panel = f'<div class="src-group">{html.escape(asked)}</div>' + "".join(cards) + (panel or "")
        yield "", chat, history, panel, cid, turn_map, answer.model_dump()

    def upload(paths: list[str] | None) -> tuple[str, list[list[Any]]]:
        if not paths:
            return "", sources_table(engine)
        files = [(Path(p).name, Path(p).read_bytes()) for p in paths]
        try:
            saved, unchanged, report = engine.add_articles(files)
        except UploadError as exc:
            return f"**Not added:** {exc}", sources_table(engine)
        lines = [
            f"Added {', '.join(saved) or 'nothing new'}"
            + (f" (unchanged: {', '.join(unchanged)})" if unchanged else "")
        ]
        lines += [f"Skipped: {p}" for p in report.problems]
        lines.append(report.summary())
        return "\n\n".join(lines), sources_table(engine)

    def add_by_url(text: str) -> tuple[str, list[list[Any]], str]:
        urls = [u.strip() for u in (text or "").split() if u.strip()]  # a page or a feed a line
        if not urls:
            return "Paste an article's or a feed's URL.", sources_table(engine), text
        try:
            news, report = engine.add_from_web(urls)
        except UploadError as exc:
            return f"**Not added:** {exc}", sources_table(engine), text
        lines = [f"Fetched {', '.join(news.saved) or 'nothing new'}"]
        lines += [f"Not fetched: {p}" for p in news.problems]
        lines += [f"Counted once: {c}" for c in report.copies]
        lines.append(report.summary())
        return "\n\n".join(lines), sources_table(engine), ""

    with gr.Blocks(title="Newsdesk QA", analytics_enabled=False) as demo:
        gr.Markdown(
            "# Newsdesk QA\nAsk about the news articles. Every claim is cited; click a number to see the passage."
        )
        mode = gr.Markdown(elem_id="mode-line")
        history = gr.State([])
        cid, turn_map, last, rated = gr.State(None), gr.State([]), gr.State(None), gr.State(None)
        with gr.Tab("Ask"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(elem_id="chat", height=480, label="Chat", sanitize_html=False)
                question = gr.Textbox(
                    elem_id="question", placeholder="Ask about the articles…", show_label=False, submit_btn=True
                )
                gr.Examples(EXAMPLES, inputs=question, label="Try")
                with gr.Accordion("Filter articles (optional)", open=False), gr.Row():
                    since = gr.Textbox("", label="Since (YYYY-MM-DD)", elem_id="filter-since", max_lines=1)
                    until = gr.Textbox("", label="Until (YYYY-MM-DD)", elem_id="filter-until", max_lines=1)
                    only = gr.Dropdown(
                        choices=[], value=[], multiselect=True, label="Only these articles", elem_id="filter-sources"
                    )
                follow_ups = gr.Dataset(
                    components=[question], samples=[], label="Ask next", elem_id="follow-ups", visible=False
                )
                with gr.Row(visible=False) as comment_row:
                    comment = gr.Textbox(label="What was wrong? (optional)", elem_id="feedback-comment", max_lines=3)
                    send = gr.Button("Send", elem_id="feedback-send", size="sm")
                feedback_status = gr.Markdown(elem_id="feedback-status")
                with gr.Row():
                    clear = gr.Button("New conversation", size="sm")
                    export_answer = gr.DownloadButton("Last answer (.md)", size="sm", elem_id="export-answer")
                    export_md = gr.DownloadButton("Conversation (.md)", size="sm", elem_id="export-md")
                    export_json = gr.DownloadButton("Conversation (.json)", size="sm", elem_id="export-json")
                with gr.Accordion("Saved conversations", open=False, elem_id="saved"):
                    picker = gr.Dropdown(label="Conversation", choices=[], elem_id="conversations")
                    with gr.Row():
                        open_saved = gr.Button("Open", size="sm", elem_id="open-conversation")
                        delete_saved = gr.Button("Delete", size="sm", variant="stop", elem_id="delete-conversation")
                    with gr.Row():
                        new_title = gr.Textbox(label="New title", max_lines=1, elem_id="new-title")
                        rename_saved = gr.Button("Rename", size="sm", elem_id="rename-conversation")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                panel = gr.HTML(elem_id="sources-panel")
        with gr.Tab("Quotes"):
            gr.Markdown("Who said what in the articles. Type a name or a role; click a row to see the passage.")
            speaker = gr.Textbox(elem_id="quote-speaker", placeholder="Speaker, e.g. Witkoff", show_label=False)
            quotes = gr.HTML(elem_id="quotes-table")
        with gr.Tab("Articles"):
            table = gr.Dataframe(
                headers=["file", "title", "date", "chunks", "also published by"], interactive=False, elem_id="articles"
            )
            with gr.Row():
                page_url = gr.Textbox(
                    elem_id="add-url", show_label=False, scale=4, placeholder="An article's or an RSS/Atom feed's URL"
                )
                fetch = gr.Button("Add by URL", elem_id="add-url-button", scale=1)
            files = gr.File(
                label="Add articles (.txt, .md, .html)",
                file_count="multiple",
                file_types=[".txt", ".md", ".html", ".htm"],
            )
            status = gr.Markdown()

        def after(cid: str | None, last: dict[str, Any] | None, history: list[dict[str, str]], request: gr.Request):
            owner = owner_of_request(request, owners)
            exports = export_files(store, owner, cid, last)
            return follow_up_samples(engine, last, history), choices(store, owner), *exports

        def on_like(cid: str | None, turn_map: list[int | None], data: gr.LikeData, request: gr.Request):
            index = data.index if isinstance(data.index, int) else data.index[0]
            turn = turn_map[index] if index < len(turn_map) else None
            if cid is None or turn is None:
                return None, gr.update(visible=False), "This answer was not saved, so it cannot be rated."
            rating: Literal["up", "down"] = "up" if data.liked in (True, "Like") else "down"
            try:
                store.rate(owner_of_request(request, owners), cid, turn, rating)
            except (StoreUnavailableError, ConversationNotFoundError) as exc:
                return None, gr.update(visible=False), f"Not saved: {exc}"
            said = "Thanks: marked as helpful." if rating == "up" else "Thanks: marked as wrong. Say why below?"
            return turn, gr.update(visible=rating == "down"), said

        def on_comment(cid: str | None, rated: int | None, text: str, request: gr.Request):
            if cid is None or rated is None:
                return gr.update(), "Rate an answer first."
            try:
                store.rate(owner_of_request(request, owners), cid, rated, "down", (text or "").strip()[:2000])
            except (StoreUnavailableError, ConversationNotFoundError) as exc:
                return gr.update(), f"Not saved: {exc}"
            return gr.update(visible=False), "Comment saved."

        def on_open(chosen: str | None, request: gr.Request):
            try:
                return reopen(store, owner_of_request(request, owners), chosen, engine)
            except (StoreUnavailableError, ConversationNotFoundError) as exc:
                raise gr.Error(str(exc)) from exc

        def on_rename(chosen: str | None, title: str, request: gr.Request):
            owner = owner_of_request(request, owners)
            if chosen and (title or "").strip():
                store.rename(owner, chosen, title.strip())
            return choices(store, owner), ""

        def on_delete(chosen: str | None, current: str | None, request: gr.Request):
            owner = owner_of_request(request, owners)
            if chosen:
                store.delete(owner, chosen)
            if chosen and chosen == current:  # the open conversation is gone: so is the chat
                return choices(store, owner), [], [], "", None, [], None
            return choices(store, owner), *([gr.skip()] * 6)

        chat_io = [question, chatbot, history, panel, since, until, only, cid, turn_map, last]
        chat_out = [question, chatbot, history, panel, cid, turn_map, last]
        after_out = [follow_ups, picker, export_answer, export_md, export_json]
        question.submit(respond, chat_io, chat_out, api_name="ask").then(
            after, [cid, last, history], after_out, api_visibility="private"
        )
        follow_ups.click(
            lambda sample: sample[0] if isinstance(sample, list) else sample,
            follow_ups,
            question,
            api_visibility="private",
        ).then(respond, chat_io, chat_out, api_visibility="private").then(
            after, [cid, last, history], after_out, api_visibility="private"
        )
        chatbot.like(on_like, [cid, turn_map], [rated, comment_row, feedback_status], api_visibility="private")
        send.click(on_comment, [cid, rated, comment], [comment_row, feedback_status], api_visibility="private")
        open_saved.click(
            on_open, picker, [chatbot, history, panel, cid, turn_map, last], api_visibility="private"
        ).then(after, [cid, last, history], after_out, api_visibility="private")
        rename_saved.click(on_rename, [picker, new_title], [picker, new_title], api_visibility="private")
        delete_saved.click(
            on_delete, [picker, cid], [picker, chatbot, history, panel, cid, turn_map, last], api_visibility="private"
        )
        clear.click(
            lambda: ([], [], "", None, [], None, gr.update(samples=[], visible=False)),
            None,
            [chatbot, history, panel, cid, turn_map, last, follow_ups],
            api_visibility="private",
        )
        files.upload(upload, files, [status, table], api_visibility="private")
        fetch.click(add_by_url, page_url, [status, table, page_url], api_visibility="private")
        page_url.submit(add_by_url, page_url, [status, table, page_url], api_visibility="private")
        speaker.submit(lambda who: quotes_view(engine, who), speaker, quotes, api_visibility="private")
        speaker.change(lambda who: quotes_view(engine, who), speaker, quotes, api_visibility="private")

        def on_load(request: gr.Request) -> tuple[Any, ...]:
            return (
                mode_line(engine),
                sources_table(engine),
                quotes_view(engine),
                gr.update(choices=[row[0] for row in sources_table(engine)]),
                choices(store, owner_of_request(request, owners)),
            )

        demo.load(
            on_load,
            None,
            [mode, table, quotes, only, picker],
            api_visibility="private",
        )
    return demo


def _text_of(assistant: Any, source: str) -> str | None:
    try:
        return assistant.source_text(source)[1]
    except KeyError:
        return None
