"""Follow-up questions made standalone by rule ("What did he say?" after a question about Witkoff);
the LLM's rewrite (:mod:`rag.answering.generation`) is checked against the same rule."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.contract import Message
from rag.language import FOLLOW_UP_PRONOUNS, NATIONALITY, NUMBER, OPENING_PRONOUN, POSSESSIVE_PRONOUNS, asked_noun

_NAME = re.compile(r"\b[A-Z][a-zA-Z0-9’'\-]+(?:\s+[A-Z][a-zA-Z0-9’'\-]+)*")  # "G7" too
# Capitalised words that open a question or a phrase without naming anything: question words,
# pronouns, conjunctions, the verbs of a request ("Tell me about the Tomahawk missiles"), and the
# words an answer opens with ("Yes, reportedly." names no "it").
_REQUESTS = frozenset("Tell Show Give Explain Describe List Summarize Summarise Please".split())
_ANSWER_OPENINGS = frozenset(
    "Yes No Not None Nothing Neither Both Only Reportedly Probably Perhaps Maybe Never Nowhere".split()
)
_NOT_NAMES = (
    _REQUESTS
    | _ANSWER_OPENINGS
    | frozenset(
        """What Who Whom Whose When Where Why How Which Did Does Do Is Are Was Were The A An I
    It Its He His She Her They Their This That These Those Some Many Most And But So Or Also Then Now
    Has Have Had Should Must Can Could Would Will Any Dr Mr Mrs Ms Prof
    About On In At For With From To By After Before Since During Of Under According""".split()
    )
)


def mentioned_names(text: str) -> list[str]:
    """The capitalised phrases of ``text`` that name something "it" or "he" could be, without the
    question words, pronouns and verbs of a request that open them ("And Zelensky" is
    "Zelensky"), nor the number an answer opens with ("Twelve days." does not make "How long
    will it take…" ask about "Twelve")."""
    found = []
    for match in _NAME.finditer(text):
        words = match.group(0).split()
        while words and re.sub(r"[’'](?:s|re|ll|d|ve)$", "", words[0]) in _NOT_NAMES:
            words = words[1:]
        if not words or NUMBER.fullmatch(words[0]):
            continue
        noun = re.match(r"\s+([a-z]+s)\b", text[match.end() :])
        if noun and NATIONALITY.search(words[-1]):  # "European diplomats", "Russian forces": the group
            words.append(noun.group(1))
        found.append(re.sub(r"[’']s$", "", " ".join(words)))  # "Trump's special envoy": Trump
    return found


# "Why?", "And when?", "How many?": a question word alone asks it of the previous question; so does
# one asked of "that" ("When was that?", "Why is that?", "How did that happen?", "What does that mean?").
_BARE_QUESTION_WORD = re.compile(
    r"^\W*(?:(?:and|so|but)\s+)?(?:why|when|where|who|(?:by |to |with |from )?whom|how(?: many| much| long| come| so)?|"
    r"since when|which ones?|(?:about|for) what)"
    r"(?:\s+(?:exactly|then|so)|\s+(?:is|was|are|were|did|does|do)\s+(?:that|this)(?:\s+happen(?:ed)?)?)?\W*$"
    r"|^\W*(?:(?:and|so|but)\s+)?(?:what|why|how)\s+(?:does|did|do|would)\s+(?:that|this)\s+(?:matter|mean|suggest|show|imply|reveal|indicate)\W*$"
    # "Where did Trump say that?", "When did he write this?": what was said is the previous question's
    r"|^\W*(?:(?:and|so|but)\s+)?(?:when|where|why|how|to whom)\b.*\b(?:say|said|tell|told|write|wrote|claim|claimed|"
    r"mention|mentioned)\s+(?:that|this|so)\W*$",
    re.I,
)


# "What about Zelensky?", "And the G7?": the previous question, asked of someone else. Not "And
# where?" (a question word alone) nor "And what did he say?" (a question of its own).
_ABOUT = re.compile(
    r"^\s*(?:and\s+)?(?:(?:what|how)\s+about\s+|and\s+(?!(?:what|who|whom|whose|when|where|why|how|which|"
    r"did|does|do|is|are|was|were|has|have|had|can|could|will|would)\b))(?P<other>[^?]+?)\s*\??\s*$",
    re.I,
)


# "Who else reacted?", "What else did he say?", "Anything else?": the previous question again,
# answered with what the previous answer did not quote.
ASKS_FOR_MORE = re.compile(r"\b(?:else|anything more|tell me more)\b|^\W*more\W*$", re.I)


def needs_condensing(question: str, history: Sequence[Message]) -> bool:
    """A follow-up refers back (a pronoun, "what about ...", a question word alone, "who else")
    and there is a conversation."""
    return bool(history) and bool(
        FOLLOW_UP_PRONOUNS.search(question)
        or re.match(r"^\s*(and|what about|how about)\b", question, re.I)
        or _BARE_QUESTION_WORD.match(question)
        or ASKS_FOR_MORE.search(question)
    )


def condense_by_rule(question: str, history: Sequence[Message]) -> str | None:
    """Replace pronouns with the last name the user asked about ("he" → "Witkoff"); after "Who
    warned…?" rather the person the answer named, and "it" rather the thing the last answer named
    ("Which village…?" "Milove." "Where is it?"). A question word alone ("Why?", "When was
    that?") is asked of the previous question, which follows it.

    Returns ``None`` when there is nothing to resolve or no name to resolve it with.
    """
    if not needs_condensing(question, history):
        return None
    # Made standalone once here: it recurses through the whole conversation.
    previous = _previous_question(history)
    if _BARE_QUESTION_WORD.match(question):  # "Why? What happened to the Tomahawk package?"
        return _asked_of_previous(question, previous)
    pronoun = FOLLOW_UP_PRONOUNS.search(question)
    if pronoun is None and ASKS_FOR_MORE.search(question):  # "Who else reacted? How did Europe react…?"
        return _asked_of_previous(question, previous)
    # "It reaffirmed its support for Ukraine.": an answer that opens with a pronoun names no new
    # thing; "it" is still what the user asked about.
    last = history[-1]
    if (
        pronoun
        and pronoun.group(0).lower() in ("it", "its")
        and last.role == "assistant"
        and not OPENING_PRONOUN.match(last.content)
    ):
        thing = _answered_thing(previous, last.content)
        if thing:  # "Which company…?" "A U.S. company, Techmet, is…" "Where is it from?": Techmet
            return _named(question, thing)
        answered = mentioned_names(last.content)
        if answered and len(last.content.split()) <= 12:  # a short answer that names a thing
            return _named(question, answered[0])
    about = _ABOUT.match(question)
    name, asked = None, None
    for message in reversed(history):
        # "What about the Kremlin?" after "And the G7?" is asked of the question before that one
        if message.role != "user" or (about and _ABOUT.match(message.content)):
            continue
        names = mentioned_names(message.content)
        if names:
            name, asked = names[0], message.content.strip()
            break
    person = pronoun is not None and pronoun.group(0).lower() not in ("it", "its")
    if person and last.role == "assistant":
        who = _answered_person(previous, last.content)
        if who:  # "Who warned about a massacre?" "President Donald Trump urged…" "Who did he warn?"
            return _named(question, who)
    if (name is None or asked is None) and person and last.role == "assistant" and len(last.content.split()) <= 12:
        # "Who led the study?" "Dr. Nadia Osei [1]." "Where did she study?": the person the answer named
        answered = mentioned_names(last.content)
        if answered:
            return _named(question, answered[0])
    if name is None or asked is None:
        # "what did he say" after "tell me about witkoff", "where did it happen" after "tell me about
        # the assassination": no capitalised name to put for the pronoun; the previous question,
        # after it, says who or what. Not "it" after a question typed with capitals: that one named
        # nothing ("How long will it take…?" after "How long did the strike last?")
        lower_case = previous == previous.lower()
        return _asked_of_previous(question, previous) if person or (pronoun is not None and lower_case) else None
    if about:  # "What about Zelensky?" / "And Zelensky?" after "What did Witkoff say?" → "What did Zelensky say?"
        return asked.replace(name, about.group("other"), 1)
    if pronoun is None or mentioned_names(question[: pronoun.start()]):
        return None  # "And how did Kyiv respond?"; "Which village did Russia say it had taken?": "it" is Russia
    if pronoun.group(0).lower() in ("it", "its") and len(mentioned_names(asked)) > 1:
        # "What came of it?" after "When did Trump and Putin meet in Alaska?": "it" is what they
        # did, not one of them; the previous question, after it, says what
        return f"{question.strip()} {previous or asked}"
    if pronoun.group(0).lower() in ("it", "its"):  # "How does it differ?" after "What is Trump's campaign message?"
        name = _possessed(asked, name)
    return _named(question, name)


def _possessed(asked: str, name: str) -> str:
    """ "Trump's campaign message" when ``asked`` names a thing of ``name``'s; else ``name``."""
    found = re.search(rf"{re.escape(name)}[’']s((?:\s+[a-z][\w-]*){{1,3}})", asked)
    words = []
    for word in found.group(1).split() if found else []:
        if word in _PHRASE_ENDS:
            break
        words.append(word)
    return f"{name}'s {' '.join(words)}" if words else name


# Words that end a noun phrase after a possessive ("Ukraine's lithium after the war").
_PHRASE_ENDS = frozenset(
    """is are was were did does do has have had will would can could after before since during about for in on
    at to with from of by and or but that which who""".split()
)


def _answered_thing(asked: str, answer: str) -> str | None:
    """The name an answer gives the thing a "which <noun>" question asked for: "Techmet" in "A U.S.
    company, Techmet, is…" or "Techmet, a U.S. company" (company), "Milove" in "the village of Milove"."""
    noun = asked_noun(asked) if asked else None
    if noun is None:
        return None
    nouns = rf"{re.escape(noun)}|{re.escape(noun.rstrip('s'))}"  # "Which companies…?" "…the company Techmet"
    named = re.search(rf"\b(?:{nouns})(?:,|\s+of|\s+called|\s+named)?\s+({_NAME.pattern})", answer) or re.search(
        rf"({_NAME.pattern}),?\s+(?:an?|the)\s+(?:[\w.’'-]+\s+){{0,2}}(?:{nouns})\b", answer
    )
    return mentioned_names(named.group(1))[0] if named and mentioned_names(named.group(1)) else None


# "Who warned…?", "Who is Trump's envoy?": the answer names the person; not "Who is Yuri Ushakov?"
# (the question names him) nor "Who did he warn?" (the one asked about is still "he").
_WHO_FOR_SOMEONE = re.compile(
    r"^\W*(?:[Aa]nd\s+)?[Ww]ho\s+(?!(?:is|was|are|were)\s+(?:[A-Z][\w’'.-]*\s*)+\W*$)"
    r"(?!(?:did|does|do|has|have|had|will|would|can|could)\b)"
)


def _answered_person(asked: str, answer: str) -> str | None:
    """The person an answer to a "who" question names first, when the question asked who someone
    was rather than about someone it named: "Steve Witkoff" for "Who is Trump's special envoy?"."""
    if not asked or not _WHO_FOR_SOMEONE.match(asked):
        return None
    named = {w.lower() for n in mentioned_names(asked) for w in n.split()}
    return next((n for n in mentioned_names(answer) if not named & {w.lower() for w in n.split()}), None)


def _named(question: str, name: str) -> str:
    """``question`` with its first pronoun replaced by ``name`` ("his" by "Witkoff's")."""
    return FOLLOW_UP_PRONOUNS.sub(
        lambda m: f"{name}'s" if m.group(0).lower() in POSSESSIVE_PRONOUNS else name, question, count=1
    )


def _asked_of_previous(question: str, previous: str) -> str | None:
    """ "Why? What happened to the Tomahawk package?": ``question`` followed by ``previous``, the
    previous question made standalone."""
    if previous and previous.split()[0] in _REQUESTS:  # "…? summarize the articles": no name "Summarize"
        previous = previous[0].lower() + previous[1:]
    return f"{question.strip().rstrip('?')}? {previous}" if previous else None


def _previous_question(history: Sequence[Message]) -> str:
    """The user's last question, standalone ("When?" after "Who warned against them?" is asked of
    "Who warned against Tomahawk?"); "" when there is none."""
    for i in range(len(history) - 1, -1, -1):
        if history[i].role == "user":
            asked = history[i].content.strip()
            return condense_by_rule(asked, history[:i]) or asked
    return ""
