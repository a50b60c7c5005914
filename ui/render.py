"""How answers look in the chat: citation chips, abstentions, low confidence, source cards; the page's CSS and JS."""

from __future__ import annotations

import html
import re

import gradio as gr

from rag.contract import Answer, Citation

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
.quote-row .reported { color:#374151; }
.quote-row .reported .tag { font-size:.75em; text-transform:uppercase; color:#6b7280;
  border:1px solid #d1d5db; border-radius:3px; padding:0 .3em; }
"""


def theme() -> gr.themes.Base:
    """The default look with system fonts: no font is fetched from the internet."""
    system = ["ui-sans-serif", "system-ui", "sans-serif"]
    return gr.themes.Default(font=system, font_mono=["ui-monospace", "monospace"])


def render_answer(answer: Answer, turn: int | str, low_confidence: float = 0.7) -> str:
    """The answer as chat HTML: ``[n]`` markers become chips tied to this turn's cards; an answer
    less confident than ``low_confidence`` says so above it."""
    body = re.sub(  # a refusal may cite the nearest passage: its chip opens the source too
        r"\[(\d+)\]",
        lambda m: f'<span class="cite-chip" data-cite="{turn}-{m.group(1)}" title="show source">{m.group(1)}</span>',
        html.escape(answer.answer),
    )
    if answer.abstained:
        body = f'<div class="abstain">{body}</div>'
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


def passage_card(citation: Citation, turn: int | str, text: str | None) -> str:
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
