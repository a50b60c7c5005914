"""Whether the one a "What did X say…?" question asks about is the one speaking in a passage: the
decision's ``speaker_match`` check (:mod:`rag.answering.answerability`). "What did Ushakov say?"
is not answered by "Witkoff told Ushakov…"."""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.language import ASKED_SPEAKER_VERBS, INVERTED_SPEECH, SPEECH_ACT, without_non_speech
from rag.text import stem as stem_word

# "What did <subject> say/tell/write...": the subject is who must be speaking in the answer.
# "Witkoff's call", "the call" are nouns: "When did Zelensky visit after Witkoff's call?" asks no one's words.
_ASKED_SPEAKER = re.compile(
    rf"\b(?:did|does|do|has|have)\s+(.+?)(?<![’']s)(?<!\bthe)(?<!\ba)(?<!\bhis)(?<!\bher)(?<!\btheir)\s+"
    rf"(?:{ASKED_SPEAKER_VERBS})\b",
    re.I,
)
# "What is Zelensky's position on NATO membership?", "What is Putin's opinion of Witkoff?": his, as said.
_ASKED_VIEW = re.compile(
    r"\b(?:is|was|are|were)\s+([A-Z][\w .-]*?)(?:'s|’s|s'|s’)\s+(?:position|opinion|view|stance|attitude)\b"
)


def speaker_matches(question: str, text: str, stem: Callable[[str], str] = str.lower) -> bool:
    """For "What did X say/tell/write…", whether X (a name or a word of it) is the one speaking in
    ``text``: within a few words of a verb of speech. Other questions: always."""
    # its first question: "Why? What did Witkoff say?" asks why, "where did it happen? tell me about
    # the assassination" where (a follow-up made standalone: the question, then the one it follows)
    first = without_non_speech(question.split("?", 1)[0])
    asked = _ASKED_SPEAKER.search(first) or _ASKED_VIEW.search(first)
    if not asked or re.match(r"\W*(?:who|whom)\b", question, re.I):
        return True  # "Whom did the envoy call?" asks for the other party, not for words
    subject = {stem(w) for w in re.findall(r"[^\W\d_]{3,}", asked.group(1)) if w.lower() not in _ARTICLES}
    if not subject:
        return True
    if re.fullmatch(r"(?:he|she|they|it)", asked.group(1).strip(), re.I):
        return True  # a follow-up not rewritten: nothing to check against
    if subject <= _METONYMS:
        return True  # "What did Moscow say": a ministry, a spokesman or the president may speak for it
    for act in _ACT.finditer(text):
        before = re.findall(r"[^\W\d_]{3,}|[.”\"]", text[max(0, act.start() - 80) : act.start()])
        clause = before[len(before) - before[::-1].index(".") :] if "." in before else before
        # ", claiming that…": the speaker is the clause's subject, not the words just before
        ing = act.group(0).lower().endswith("ing")
        near = [] if ing else [w for w in clause[-4:] if w not in ('"', "”")]
        if appositive := _APPOSITIVE.search(text[max(0, act.start() - 160) : act.start()]):
            near += re.findall(r"[^\W\d_]{3,}", appositive.group(1))[-4:]  # "Brekke, chair of the association, said"
        if ing:  # ", writing that…": the speaker is the clause's subject
            sentence = re.split(r"[.!?]\s", text[: act.start()])[-1]
            near += re.findall(r"[^\W\d_]{3,}", sentence)[:4]
        if INVERTED_SPEECH.match(act.group(0)) and _inverted(text[: act.start()], text[act.end() :]):
            near += re.findall(r"[^\W\d_]{3,}", text[act.end() : act.end() + 30])[:2]
            if text[: act.start()].rstrip().endswith(('"', "”")):  # '…," said assembly member Rosa Delgado'
                parts = re.split(r"[.;:!?]", text[act.end() : act.end() + 80])[0].split(",")
                # '…," said the trust's chair, Jenny Walsh.': the title, then the name
                named = parts[:2] if len(parts) > 1 and _NAME_ONLY.fullmatch(parts[1]) else parts[:1]
                near += [w for part in named for w in re.findall(r"\b[A-Z][^\W\d_]{2,}", part)]
        if subject & {stem(w) for w in near}:
            return True
        pronoun = _STANDS_FOR_SPEAKER.search(text[max(0, act.start() - 40) : act.start()])
        if pronoun and subject & {stem(w) for w in re.findall(r"[^\W\d_]{3,}", text)}:
            return True  # "He said…", "The Russian president warned…" with the person named in the window
    return False


def _inverted(before: str, after: str) -> bool:
    """Whether "said" between ``before`` and ``after`` opens an inverted attribution: '…," said
    Witkoff', "…, said the spokesman.", not "Varga, who had won four times, said Fitzgerald had
    played…" (Fitzgerald is talked about)."""
    if re.search(r"(?:^|[\"”])\s*$", before):
        return True
    return before.rstrip().endswith(",") and bool(re.match(r"(?:\s+[\w’'.-]+){1,5}\s*(?:[.,;]|$)", after))


# The words before an appositive that ends right before the verb of speech: the speaker.
_APPOSITIVE = re.compile(r"([^,.;:“”\"]+),[^,.;:“”\"]{3,100},\s*(?:(?:has|had|have|also|later)\s+)?$")
# Speech, and the opinions "What do officials think…?" asks for ("Officials believe it was sparked…").
_ACT = re.compile(rf"{SPEECH_ACT.pattern}|\b(?:believ(?:e|es|ed|ing)|think|thinks|thought)\b", re.I)
# A name and nothing else (an appositive after a role): "Jenny Walsh", "Daniel Okafor".
_NAME_ONLY = re.compile(r"\s*(?:[A-Z][\w’'.-]+\s*){1,4}")
_ARTICLES = frozenset("the a an his her their its".split())
# What stands for a speaker the sentence before named: a pronoun, or a title ("The Russian
# president warned…" after "On Oct. 17, Trump spoke with Putin.").
_STANDS_FOR_SPEAKER = re.compile(
    r"\b(?:he|she|they|the (?:[\w-]+\s+)?(?:president|leader|envoy|minister|premier|chancellor|official|spokes\w+))"
    r"\s+(?:\w+\s+)?$",
    re.I,
)
# Capitals and seats of government that news copy uses for a government ("Moscow said").
_METONYMS = frozenset(
    stem_word(w) for w in "moscow kremlin washington white house kyiv kiev beijing london paris".split()
)
