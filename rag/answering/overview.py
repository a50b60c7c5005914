"""The overview route: questions about the articles themselves rather than a fact in them.

"What are the articles about?", "What's the latest?" or "Summarize the articles" name no fact
to look for, so the decide stage, which rates sentences by the question's words, can only refuse
them; "Summarize the article about the phone call" asks for one article's gist. A news article
states its gist first, in its headline and then its lede, so both are answered by quoting that:
the corpus as its headlines, newest first, and one article as its first sentences (Lead-3, the
baseline news summarisers are measured against: See et al. 2017, "Get To The Point"). Every
line is a quotation of the file, cited like any other answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answering.citations import OriginalTexts, cite
from rag.answering.hit_sentences import is_full_sentence, is_heading, sentence_text, with_marker_and_date
from rag.answering.hits import Hit
from rag.components.store import IndexedSource
from rag.contract import Citation, date_note, newest_first
from rag.language import CORPUS_NOUNS

_CORPUS = frozenset(CORPUS_NOUNS) | {"headline", "headlines", "topic", "topics"}
_SUMMARY = frozenset(
    "summarize summarise summary summaries overview gist recap rundown roundup highlights takeaways points".split()
)
_RECENT = frozenset({"latest", "new"})  # "What's new?", "What's the latest?"
_ONE_ARTICLE = frozenset({"article", "story", "report"})
# Words that ask nothing of their own in such a question. Deliberately few: "did", "said" or a
# name left over make it a question about the articles' content, which the decide stage answers.
_FILLER = frozenset(
    "a about all an any are available big biggest brief can could cover covered covers current currently"
    " discuss discussed do does give has have here i in indexed is key list main major me most of on"
    " please quick recent s short show so some tell the there these they this those today top us was"
    " were what whats which you your".split()
)
LEAD_SENTENCES = 3  # an article's summary: its first sentences (Lead-3)
OVERVIEW_LISTED = 20  # the newest articles an overview can list (more than fit in its words)


# "Hello", "What can you do?", "How does this work?": a message to the assistant, not a question
# about the news; it is answered with what the assistant does, and the overview to start from.
_GREETINGS = frozenset("hello hi hey hiya greetings help good morning afternoon evening".split())
_ABOUT_YOU = frozenset("who how know work works".split())  # "Who are you?", "How does this work?"
_TO_THE_ASSISTANT = _GREETINGS | _ABOUT_YOU
GREETING = "Hello. I answer questions about the articles indexed here, citing the passage each answer quotes."
# "Thanks!", "OK, great": no question either; the reply says so and offers the articles again.
_THANKS = frozenset("thanks thank thx cheers ok okay great cool perfect nice helpful".split())
_THANKS_FILLER = frozenset("you so much very a lot that's thats is was it really".split())
THANKS = "You're welcome. Ask me anything about the articles indexed here."


@dataclass(frozen=True)
class OverviewRequest:
    """A question about the articles themselves: all of them (``topic`` empty), or the one
    article about ``topic``; ``greeting`` when it was a message to the assistant ("Hello", "Thanks")."""

    topic: str
    greeting: str = ""  # the sentence the overview opens with: GREETING, THANKS, or none


def overview_request(question: str) -> OverviewRequest | None:
    """Whether ``question`` asks what the articles are ("What are the articles about?") or for
    one article's summary ("Summarize the article about the Tomahawks"); ``None`` for any other."""
    words = re.findall(r"[^\W_]+", question.replace("’", "'"))
    lowered = [w.lower() for w in words]
    asking = _CORPUS | _SUMMARY | _RECENT
    rest = [w for w, low in zip(words, lowered, strict=True) if low not in asking and low not in _FILLER]
    if not rest and any(w in asking for w in lowered):
        return OverviewRequest("")
    if all(w.lower() in _TO_THE_ASSISTANT for w in rest) and (
        any(w in _GREETINGS for w in lowered) or "you" in lowered or "this" in lowered
    ):
        return OverviewRequest("", greeting=GREETING)
    if lowered and any(w in _THANKS for w in lowered) and all(w in _THANKS | _THANKS_FILLER for w in lowered):
        return OverviewRequest("", greeting=THANKS)
    if rest and any(w in _SUMMARY for w in lowered) and any(w in _ONE_ARTICLE for w in lowered):
        return OverviewRequest(" ".join(rest))
    return None


def newest_sources(sources: list[IndexedSource]) -> list[str]:
    """The articles' file names, newest first (undated last)."""
    return [s.source for s in sorted(sources, key=lambda s: (newest_first(s.date), s.source))]


def corpus_overview(
    firsts: list[Hit], total: int, texts: OriginalTexts, max_words: int, greeting: str = ""
) -> tuple[str, list[Citation]] | None:
    """The articles' headlines, newest first, as long as the answer stays within ``max_words``;
    ``firsts``: the first chunk of each of the newest articles, ``total``: how many there are;
    after ``greeting`` (:data:`GREETING`, :data:`THANKS`) when given. An article printed without a headline is shown by
    its title (the start of its first sentence, "…" marking the cut) and cites that sentence."""
    ordered = sorted(firsts, key=lambda h: (newest_first(h.date), h.source))
    parts = [greeting] if greeting else []
    parts.append("The article:" if total == 1 else f"The {total} articles, newest first:")
    citations: list[Citation] = []
    for hit in ordered:
        original = texts.get(hit.source, hit.sha16)
        span = _headline(hit, original) if original is not None else None
        if original is None or span is None:
            continue  # changed since indexing (its offsets would be wrong), or nothing to quote
        piece = with_marker_and_date(hit.title, len(citations) + 1, date_note(hit.date))
        if citations and len(" ".join([*parts, piece]).split()) > max_words:
            break
        parts.append(piece)
        citations.append(_cite(original, hit, *span, len(citations) + 1))
    if not citations:
        return None
    if total > len(citations):  # the answer stays short; the whole list is one click away
        parts.append(f"And {total - len(citations)} more (the Articles tab and GET /api/sources list them all).")
    return " ".join(parts), citations


def article_summary(first: Hit, texts: OriginalTexts, max_words: int) -> tuple[str, list[Citation]] | None:
    """The first :data:`LEAD_SENTENCES` full sentences of an article (``first``: its first chunk),
    within ``max_words``."""
    original = texts.get(first.source, first.sha16)
    if original is None:
        return None
    parts: list[str] = []
    citations: list[Citation] = []
    for i, sentence in enumerate(first.sentences):
        text = sentence_text(first, i)
        if not is_full_sentence(text) or is_heading(text):
            continue  # the headline, a byline
        n = len(citations) + 1
        when = date_note(first.date) if n == 1 else ""  # the date once, after the first
        piece = with_marker_and_date(original[sentence.start : sentence.end], n, when)
        if parts and len(" ".join([*parts, piece]).split()) > max_words:
            break
        parts.append(piece)
        citations.append(_cite(original, first, sentence.start, sentence.end, n))
        if n == LEAD_SENTENCES:
            break
    if not citations:
        return None
    printed = _printed_headline(first, original) is not None
    return " ".join([f"“{first.title}” begins:" if printed else "The article begins:", *parts]), citations


def _headline(hit: Hit, original: str) -> tuple[int, int] | None:
    """Where the article's headline is printed in its file, else its first full sentence."""
    if (printed := _printed_headline(hit, original)) is not None:
        return printed
    for i, sentence in enumerate(hit.sentences):
        if is_full_sentence(sentence_text(hit, i)):
            return sentence.start, sentence.end
    return None


def _printed_headline(hit: Hit, original: str) -> tuple[int, int] | None:
    at = original.find(hit.title, max(0, hit.start - len(hit.title)))
    return (at, at + len(hit.title)) if at >= 0 and not hit.title.endswith("…") else None


def _cite(original: str, hit: Hit, start: int, end: int, n: int) -> Citation:
    return cite(original, hit.source, start, end, id=n, score=1.0, title=hit.title, date=hit.date)
