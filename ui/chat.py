"""The Gradio chat: presentation only; every answer comes from the server's Assistant."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from rag.contract import Answer, AnswerDelta, ArticleFilter, Citation, Message
from rag.indexing.uploads import UploadError

if TYPE_CHECKING:
    from rag.engine import EngineHolder

EXAMPLES = [
    "What did Witkoff say?",
    "How many people were injured in the drone attack on Kyiv?",
    "Why did Trump cancel the Tomahawk missile package?",
    "What did he say about Zelensky?",
]
CONTEXT_CHARS = 280  # of article text shown around a cited passage

# A click on a [n] chip highlights its card in the sources panel; plain DOM, no round trip.
HEAD_JS = """
<script>
document.addEventListener("click", (event) => {
  const chip = event.target.closest(".cite-chip");
  if (!chip) return;
  document.querySelectorAll(".src-card.active").forEach((c) => c.classList.remove("active"));
  const card = document.getElementById("src-" + chip.dataset.cite);
  if (card) { card.classList.add("active"); card.scrollIntoView({block: "nearest", behavior: "smooth"}); }
});
</script>
"""

CSS = """
.cite-chip { display:inline-block; min-width:1.3em; padding:0 .35em; margin:0 .1em; border-radius:.7em;
  background:#dbeafe; color:#1e3a8a; font-size:.75em; font-weight:600; text-align:center; cursor:pointer;
  vertical-align:super; line-height:1.4; }
.cite-chip:hover { background:#1e3a8a; color:#fff; }
.abstain { border-left:4px solid #f59e0b; padding:.2em .7em; background:#fffbeb; color:#78350f; }
.unsupported { font-size:.7em; color:#b91c1c; border:1px solid #fca5a5; border-radius:.5em; padding:0 .3em; }
.fallback-note { font-size:.8em; color:#92400e; margin-top:.5em; }
.low-confidence { font-size:.8em; color:#92400e; border:1px dashed #f59e0b; border-radius:.5em; padding:.1em .5em;
  margin-bottom:.4em; display:inline-block; }
.src-card { border:1px solid #e5e7eb; border-radius:8px; padding:.6em .8em; margin-bottom:.6em; }
.src-card.active { border-color:#2563eb; box-shadow:0 0 0 2px #bfdbfe; }
.src-card .src-head { font-weight:600; }
.src-card .src-meta { font-size:.8em; color:#6b7280; }
.src-card .src-text { font-size:.85em; white-space:pre-wrap; margin-top:.4em; }
.src-card mark { background:#fde68a; padding:0 .1em; }
.src-group { font-size:.8em; color:#374151; margin:.8em 0 .3em; font-style:italic; }
.quote-row { border-bottom:1px solid #e5e7eb; padding:.35em 0; }
.quote-row summary { cursor:pointer; display:grid; grid-template-columns: 11em 1fr 14em 7em; gap:.6em; }
.quote-row summary .who { font-weight:600; }
.quote-row .meta { font-size:.8em; color:#6b7280; }
.quote-row .src-text { font-size:.85em; white-space:pre-wrap; margin:.4em 0 .2em 1em; }
.quote-row mark { background:#fde68a; padding:0 .1em; }
"""


def theme() -> gr.themes.Base:
    """The default look with system fonts: no font is fetched from the internet."""
    system = ["ui-sans-serif", "system-ui", "sans-serif"]
    return gr.themes.Default(font=system, font_mono=["ui-monospace", "monospace"])


def render_answer(answer: Answer, turn: int, low_confidence: float = 0.7) -> str:
    """The answer as chat HTML: ``[n]`` markers become chips tied to this turn's cards; an answer
    less confident than ``low_confidence`` says so above it."""
    if answer.abstained:
        body = f'<div class="abstain">{html.escape(answer.answer)}</div>'
    else:
        body = re.sub(
            r"\[(\d+)\]",
            lambda m: (
                f'<span class="cite-chip" data-cite="{turn}-{m.group(1)}" title="show source">{m.group(1)}</span>'
            ),
            html.escape(answer.answer),
        )
    body = body.replace(
        "[unsupported]", '<span class="unsupported" title="the cited passages do not support this">unverified</span>'
    )
    if not answer.abstained and answer.confidence is not None and answer.confidence < low_confidence:
        body = (
            f'<div class="low-confidence" title="the answerability check is not sure these sentences answer the '
            f'question">Low confidence ({answer.confidence:.0%}): check the sources</div><div>{body}</div>'
        )
    if answer.fallback:
        why = "its sentences were not supported by the passages" if answer.fallback == "unsupported" else "it failed"
        detail = f" ({html.escape(answer.error)})" if answer.error else ""
        body += f'<div class="fallback-note">The LLM answer was replaced by quoted sentences: {why}{detail}.</div>'
    return body


def passage_card(citation: Citation, turn: int, text: str | None) -> str:
    """A source card: title, date, file and the cited passage highlighted in its context."""
    if text is not None:
        before = text[max(0, citation.start - CONTEXT_CHARS) : citation.start]
        after = text[citation.end : citation.end + CONTEXT_CHARS]
        passage = f"…{html.escape(before)}<mark>{html.escape(citation.quote)}</mark>{html.escape(after)}…"
    else:
        passage = f"<mark>{html.escape(citation.quote)}</mark>"
    meta = " · ".join(x for x in (citation.date, citation.source, f"chars {citation.start}–{citation.end}") if x)
    return (
        f'<div class="src-card" id="src-{turn}-{citation.id}" data-source="{html.escape(citation.source)}">'
        f'<div class="src-head">[{citation.id}] {html.escape(citation.title or citation.source)}</div>'
        f'<div class="src-meta">{html.escape(meta)}</div><div class="src-text">{passage}</div></div>'
    )


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
        rows.append(
            f'<details class="quote-row" data-source="{html.escape(s.source)}">'
            f'<summary><span class="who">{html.escape(s.speaker)}{to}</span>'
            f'<span class="what">“{html.escape(" ".join(s.text.split()))}”</span>'
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
        return [[s.source, s.title, s.date or "", s.chunks] for s in engine.current().sources()]
    except Exception:
        return []


def build_ui(engine: EngineHolder) -> gr.Blocks:
    """The chat page; ``engine`` is the server's, so UI and API answer alike."""
    turns = itertools.count(1)

    def respond(
        question: str,
        chat: list[dict[str, Any]],
        history: list[dict[str, str]],
        panel: str,
        since: str = "",
        until: str = "",
        only: list[str] | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        question = (question or "").strip()
        if not question:
            yield gr.skip(), chat, history, panel
            return
        try:
            filters = article_filter(since, until, only)
        except ValueError as exc:
            chat = [*chat, {"role": "assistant", "content": f'<div class="abstain">{html.escape(str(exc))}</div>'}]
            yield gr.skip(), chat, history, panel
            return
        turn = next(turns)
        chat = [*chat, {"role": "user", "content": html.escape(question)}, {"role": "assistant", "content": "…"}]
        yield "", chat, history, panel
        try:
            assistant = engine.current()
            written, answer = "", None
            for event in assistant.stream(question, [Message(**m) for m in history], None, filters):
                if isinstance(event, AnswerDelta):
                    written += event.text
                    chat[-1] = {"role": "assistant", "content": html.escape(written)}
                    yield "", chat, history, panel
                else:
                    answer = event.answer
            assert answer is not None, "the stream ended without its final event"
        except Exception as exc:  # a readable message in the chat, never a trace
            chat[-1] = {"role": "assistant", "content": f'<div class="abstain">Sorry: {html.escape(str(exc))}</div>'}
            yield "", chat, history, panel
            return
        chat[-1] = {"role": "assistant", "content": render_answer(answer, turn, assistant.settings.low_confidence)}
        history = [*history, {"role": "user", "content": question}, {"role": "assistant", "content": answer.answer}]
        cards = [passage_card(c, turn, _text_of(assistant, c.source)) for c in answer.citations]
        asked = answer.condensed_question or question
        if cards:
            panel = f'<div class="src-group">{html.escape(asked)}</div>' + "".join(cards) + (panel or "")
        yield "", chat, history, panel

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

    with gr.Blocks(title="Newsdesk QA", analytics_enabled=False) as demo:
        gr.Markdown(
            "# Newsdesk QA\nAsk about the news articles. Every claim is cited; click a number to see the passage."
        )
        mode = gr.Markdown(elem_id="mode-line")
        history = gr.State([])
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
                clear = gr.Button("New conversation", size="sm")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                panel = gr.HTML(elem_id="sources-panel")
        with gr.Tab("Quotes"):
            gr.Markdown("Who said what in the articles. Type a name or a role; click a row to see the passage.")
            speaker = gr.Textbox(elem_id="quote-speaker", placeholder="Speaker, e.g. Witkoff", show_label=False)
            quotes = gr.HTML(elem_id="quotes-table")
        with gr.Tab("Articles"):
            table = gr.Dataframe(headers=["file", "title", "date", "chunks"], interactive=False, elem_id="articles")
            files = gr.File(
                label="Add articles (.txt, .md, .html)",
                file_count="multiple",
                file_types=[".txt", ".md", ".html", ".htm"],
            )
            status = gr.Markdown()

        question.submit(
            respond,
            [question, chatbot, history, panel, since, until, only],
            [question, chatbot, history, panel],
            api_name="ask",
        )
        clear.click(lambda: ([], [], ""), None, [chatbot, history, panel], api_visibility="private")
        files.upload(upload, files, [status, table], api_visibility="private")
        speaker.submit(lambda who: quotes_view(engine, who), speaker, quotes, api_visibility="private")
        speaker.change(lambda who: quotes_view(engine, who), speaker, quotes, api_visibility="private")
        demo.load(
            lambda: (
                mode_line(engine),
                sources_table(engine),
                quotes_view(engine),
                gr.update(choices=[row[0] for row in sources_table(engine)]),
            ),
            None,
            [mode, table, quotes, only],
            api_visibility="private",
        )
    return demo


def _text_of(assistant: Any, source: str) -> str | None:
    try:
        return assistant.source_text(source)[1]
    except KeyError:
        return None
