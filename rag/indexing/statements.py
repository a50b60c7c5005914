"""Who said what: quotations and reported statements found in an article, with their speaker.

Rules over sentences (no model): a direct quotation and its attribution before, after or
inside it (“…,” Witkoff said / Trump admitted, “…” / “…,” he went on; an unattributed
quotation right after one continues it; a quotation of under four words counts only with
an explicit attribution, so scare quotes like “progress” are not statements); reported speech
after a verb of saying (X said/warned/argued that …, X urged Y to …, X announced …,
“…, analysts caution.”, As X pointed out, …), a list under "X argued:" (one statement
per item), a participle ("…, claiming that …") speaking for the sentence's subject.
Partial quotations inside a reported statement are part of it.

Speakers are resolved by :mod:`rag.indexing.speakers` ("the envoy" → "Steve Witkoff", roles stay
roles). Offsets are into the original file, like citations; each statement also records
the sentence that carries it (with the one before when its speaker is "he" or "it").
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import asdict, dataclass

from rag.indexing.corpus import Article
from rag.indexing.speakers import People, speaker_aliases, subject_of
from rag.language import ATTRIBUTION_PARTICIPLES, ATTRIBUTION_VERBS, BULLET, SPEAKER_PRONOUN
from rag.text import sentence_spans

_VERB = re.compile(rf"\b({ATTRIBUTION_VERBS})\b")
_PARTICIPLE = re.compile(rf",\s+({ATTRIBUTION_PARTICIPLES})\b( that)?\s*")
_QUOTE = re.compile(r"[“‘\"]([^“”\"]+?)[”\"]")


@dataclass(frozen=True)
class Statement:
    """A quotation or reported statement: who, to whom, which verb, and where (original offsets)."""

    source: str
    start: int
    end: int
    text: str
    speaker: str  # the full name the article uses, or the role as written ("a senior European official")
    speaker_words: str  # the words the article used for the speaker ("he", "the envoy")
    kind: str  # "direct" | "reported"
    verb: str
    addressee: str | None = None
    date: str | None = None
    context_start: int = 0  # the sentence that carries it, attribution included (a list item: from its header)
    context_end: int = 0
    via: str | None = None  # who relayed it: "Trump told the forum that Putin said that…" → Putin via Trump

    def as_dict(self) -> dict[str, object]:
        """Plain fields, for JSON and the store."""
        return asdict(self)


_THAT_ONLY = frozenset("claimed claims claim stated states revealed reveals reported report".split())
_OBJECT_FIRST = frozenset(
    "urged|urges|urge|called on|calls on|accused|accuses|praised|praises|cited|cites|characterized|characterised".split(
        "|"
    )
)
_QUOTE_NEAR = re.compile(r"[”\"]\s*,?\s*(?:\S+\s+){0,3}$")
_PASSIVE = re.compile(r"\b(?:been|be|being|was|were|is|are|to)\s*$", re.I)
_FOUND = tuple[int, int, str, str, str, str | None]


def extract(article: Article, people: People | None = None) -> list[Statement]:
    """Every quotation and reported statement of ``article``, in reading order (``people``: the
    article's :class:`People`, when the caller has them already)."""
    text = article.text
    people = people or People(text)
    out: list[Statement] = []
    list_speaker: tuple[str, str] | None = None  # "Trump argued:" → its items are statements
    header_start = 0
    previous = (0, 0)  # the sentence before, original offsets: it says who "he" is
    last_quote: tuple[int, str] | None = None  # end and speaker of the last attributed quotation
    for s_start, s_end in sentence_spans(text):
        sentence = text[s_start:s_end]
        found: list[_FOUND] = []
        context = article.cleaned.to_original(s_start, s_end)
        if list_speaker and BULLET.match(sentence):
            context = (header_start, context[1])
            body = BULLET.sub("", sentence).rstrip(" .;")
            offset = s_start + len(sentence) - len(BULLET.sub("", sentence))
            found.append((offset, offset + len(body), list_speaker[0], "reported", list_speaker[1], None))
        else:
            list_speaker = _list_header(sentence)
            header_start = context[0]
            if list_speaker is None:
                found += _reported(sentence, s_start)
            quotes, last_quote = _direct(sentence, s_start, last_quote)
            found += quotes
        for start, end, words, kind, verb, addressee in sorted(found, key=lambda f: (f[0], -f[1])):
            speaker = people.resolve(words)
            if any(
                o.speaker == speaker and o.start <= _orig(article, start) and _orig(article, end, True) <= o.end
                for o in out
            ):
                continue  # a partial quotation or clause inside a statement by the same speaker
            o_start, o_end = article.cleaned.to_original(start, end)
            to = people.resolve(addressee, track=False) if addressee else None
            quoted_from = previous[0] if SPEAKER_PRONOUN.match(words.strip(" ,")) and previous[1] else context[0]
            out.append(
                Statement(
                    article.source,
                    o_start,
                    o_end,
                    article.original[o_start:o_end],
                    speaker,
                    words,
                    kind,
                    verb,
                    to,
                    article.date,
                    quoted_from,
                    context[1],
                )
            )
            if kind == "direct":
                last_quote = (last_quote[0], speaker) if last_quote else None
        people.saw(sentence)
        previous = context
    return _chained(out)


def _chained(statements: list[Statement]) -> list[Statement]:
    """A quotation continued after its attribution keeps who it was said to (“…,” Witkoff told
    Ushakov. “…”); a statement inside another speaker's statement records who relayed it."""
    out: list[Statement] = []
    for s in statements:
        if s.verb == "continued" and s.addressee is None:
            before = next((p for p in reversed(out) if p.speaker == s.speaker and p.kind == "direct"), None)
            if before is not None and before.addressee:
                s = dataclasses.replace(s, addressee=before.addressee)
        outer = [
            o
            for o in statements
            if o.speaker != s.speaker and o.start <= s.start and s.end <= o.end and o.end - o.start > s.end - s.start
        ]
        if outer:
            s = dataclasses.replace(s, via=min(outer, key=lambda o: o.end - o.start).speaker)
        out.append(s)
    return out


def _orig(article: Article, at: int, end: bool = False) -> int:
    return article.cleaned.to_original(at - 1, at)[1] if end else article.cleaned.to_original(at, at + 1)[0]


def _list_header(sentence: str) -> tuple[str, str] | None:
    """``(speaker words, verb)`` of "Trump argued:" / "officials reiterate that:" / "…, noting:"."""
    tail = sentence.rstrip()
    if not tail.endswith(":"):
        return None
    m = re.search(rf"\b({ATTRIBUTION_VERBS}|{ATTRIBUTION_PARTICIPLES})(?:\s+that)?\s*:$", tail)
    if not m:
        return None
    before = tail[: m.start()]
    if m.group(1) in ATTRIBUTION_PARTICIPLES.split("|"):  # "Several European diplomats pushed back…, noting:"
        before = before.rsplit(",", 1)[0]
    return subject_of(before), m.group(1)


def _reported(sentence: str, offset: int) -> list[_FOUND]:
    out: list[_FOUND] = []
    body = sentence.rstrip()
    end = len(body)
    while end and body[end - 1] in '.”"’ ':
        end -= 1
    if body.endswith(".”"):
        end = len(body) - 1  # keep the full stop that closes a quoted ending
    according = re.match(r"^According to ([^,]+),\s+", body) or re.search(r",\s+according to ([^,.]+)\.?$", body)
    if according:
        if according.start() == 0:
            return [(offset + according.end(), offset + end, according.group(1), "reported", "according to", None)]
        return [(offset, offset + according.start(), according.group(1), "reported", "according to", None)]
    quoted = [(q.start(), q.end()) for q in _QUOTE.finditer(sentence)]
    for m in _VERB.finditer(sentence):
        verb = m.group(1)
        before, after = sentence[: m.start()], sentence[m.end() :]
        if any(a < m.start() < b for a, b in quoted):
            continue  # a verb inside a quotation ("“The minister told me, …”") is the speaker's words
        if _QUOTE_NEAR.search(before) or re.match(r"^(?:[^“”.]{0,40}?[,:])?\s*[“‘\"]", after):
            continue  # the attribution of a direct quotation
        if re.search(r"[“‘\"](?:\S+\s+){3,}[^“”]*[”\"]\W*$", after) and verb in ("called", "calls", "described"):
            continue  # "called the notion “wishful thinking unsupported by facts.”": a direct quotation
        if _PASSIVE.search(before) and not before.rstrip().lower().endswith(("continue to", "continues to")):
            continue  # "It has been revealed that…", "which is to say"
        # "that" close to its verb ("told the forum on Wednesday that"), not a later clause's
        that = re.match(r"^(?:\s*\S+){0,8}?\s+that\b\s*", after) if verb not in _OBJECT_FIRST else None
        if that and re.search(rf"[,;]\s|\b({ATTRIBUTION_VERBS})\b", after[: that.end() - 5]):
            that = None
        if verb in _THAT_ONLY and not that and not re.match(r"^\s+credit\b", after):
            continue  # "strikes have claimed dozens of lives"
        if verb in ("called", "calls") and not re.match(r"^\s+(?:the|a|an|his|her|their|it|on)\b", after):
            continue
        addressee = None
        told = re.match(r"^\s+([A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*|reporters)(?=\s+(?:on|that|in|at)\b)", after)
        if verb in ("told", "tells", "tell") and told:
            addressee = told.group(1)
        start = m.end() + (that.end() if that else len(after) - len(after.lstrip(" ,:")))
        if start >= end or re.match(r"^(?:a|an|the|his|her)?\s*(?:statement|phone call|call)\b", sentence[start:end]):
            continue
        subject = subject_of(before)
        if subject.lower() == "who":  # "…among diplomats, analysts, and Kyiv’s supporters, who argue that"
            antecedent = re.search(r"\b(?:among|by|from|of|to)\s+([^,]+(?:,\s+[^,]+)*?),\s+who\s*$", before.rstrip())
            subject = antecedent.group(1) if antecedent else ""
        if subject:
            out.append((offset + start, offset + end, subject, "reported", verb, addressee))
            second = re.search(
                rf",\s+(?:while|whereas|but|and)?\s*([A-Z][^,]*?)\s+({ATTRIBUTION_VERBS})\s+(?:that\s+)?",
                sentence[start:end],
            )
            if second:  # "While X argues that A, Y maintain that B."
                cut = start + second.start()
                out[-1] = (offset + start, offset + cut, subject, "reported", verb, addressee)
                out.append(
                    (offset + start + second.end(), offset + end, second.group(1), "reported", second.group(2), None)
                )
            break  # one statement per sentence from its first verb of saying; nested speakers below
    participle = _PARTICIPLE.search(sentence)
    if participle and not out and participle.end() < end:
        subject = subject_of(sentence[: participle.start()])
        out.append((offset + participle.end(), offset + end, subject, "reported", participle.group(1), None))
    nested = re.search(r",\s+([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)+),\s+(said|says)\b[^.]*?\bthat\s+", sentence)
    if nested and out:
        out.append((offset + nested.end(), offset + end, nested.group(1), "reported", nested.group(2), None))
    inverted = re.match(rf"^(.+?),\s+((?:[A-Za-z]+\s+){{0,3}}?[a-z]+)\s+({ATTRIBUTION_VERBS})\.?$", body)
    if inverted and not out and not _QUOTE.search(body):
        out.append((offset, offset + inverted.end(1), inverted.group(2), "reported", inverted.group(3), None))
    pointed = re.match(rf"^As\s+(.+?)\s+({ATTRIBUTION_VERBS}),\s+", body)
    if pointed:
        out = [(offset + pointed.end(), offset + end, pointed.group(1), "reported", pointed.group(2), None)]
    return out


# "…," said museum director Helena Marsh / said the group's chair, Alison Trew: a role before the name
# (not "said on Tuesday", "said in a statement").
_NOT_ROLE = r"on|in|at|to|of|for|from|by|with|after|before|during|that|this|last|later|earlier|late|early"
_ROLE_FIRST = rf"(?:(?:the\s+)?(?!(?:{_NOT_ROLE})\b)(?:[a-z][\w’'-]*\s+){{0,2}}[a-z][\w’'-]*,?\s+)?"
_NAME_WORDS = r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*"


def _direct(
    sentence: str, offset: int, last_quote: tuple[int, str] | None
) -> tuple[list[_FOUND], tuple[int, str] | None]:
    out: list[_FOUND] = []
    for q in _QUOTE.finditer(sentence):
        words = len(q.group(1).split())
        if words < 2:
            continue
        after, before = sentence[q.end() :], sentence[: q.start()]
        name = r"((?:[a-z]+\s+){0,2}[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*|he|she|they|the\s+[a-z]+(?:\s+[a-z]+)?)"
        post = re.match(rf"^\s*,?\s*{name}\s+({ATTRIBUTION_VERBS})(?:\s+([A-Z][\w’'-]+))?", after)
        inverted = re.match(rf"^\s*,?\s*({ATTRIBUTION_VERBS})\s+{_ROLE_FIRST}({_NAME_WORDS})", after)
        pre = re.search(rf"^(.*?)\s+({ATTRIBUTION_VERBS})(?:\s+(?:on|in|at|to)\s+[\w\s]{{1,30}}?)?\s*[,:]\s*$", before)
        called = re.search(rf"^(.*?)\s+({ATTRIBUTION_VERBS})\b[^“”]*$", before)
        speaker = verb = addressee = None
        if post:
            speaker, verb, addressee = (
                re.sub(r"^(?:[a-z]+\s+){1,2}(?=[A-Z])", "", post.group(1)),
                post.group(2),
                post.group(3),
            )
        elif inverted:
            verb, speaker = inverted.group(1), inverted.group(2)
        elif pre:
            speaker, verb = subject_of(pre.group(1)), pre.group(2)
        elif words < 4:
            continue  # a short quotation without an attribution is a phrase someone used, not a statement
        elif called and called.group(2) in ("called", "calls", "described"):
            speaker, verb = subject_of(called.group(1)), called.group(2)
        elif last_quote and not before.strip(' ‘“"'):
            speaker, verb = last_quote[1], "continued"  # “…,” Trump said. “…”
        if speaker is None or verb is None:
            continue
        out.append((offset + q.start(1), offset + q.end(1), speaker, "direct", verb, addressee))
        last_quote = (offset + q.end(), speaker)
    if not out and not _QUOTE.search(sentence):
        last_quote = None
    return out, last_quote


def unify(statements: list[Statement]) -> list[Statement]:
    """``statements`` with speakers (and addressees) named as the corpus names them."""
    aliases = speaker_aliases([s.speaker for s in statements])
    return [renamed(s, aliases) for s in statements]


def renamed(s: Statement, aliases: dict[str, str]) -> Statement:
    """``s`` with its speaker, addressee and relayer named by ``aliases`` (name → the corpus's name)."""
    if s.speaker not in aliases and (s.addressee or "") not in aliases and (s.via or "") not in aliases:
        return s
    addressee = aliases.get(s.addressee, s.addressee) if s.addressee else None
    via = aliases.get(s.via, s.via) if s.via else None
    return dataclasses.replace(s, speaker=aliases.get(s.speaker, s.speaker), addressee=addressee, via=via)


__all__ = ["Statement", "extract", "renamed", "speaker_aliases", "unify"]
