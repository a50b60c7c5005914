"""The language rules of English news copy, in one place: word lists and patterns the read
stage, the decision, the answerers and the quotes index share.

Each user imports the subset it needs and says why; where two users need different subsets
(a question's speech verbs are fewer than an article's), the subsets are named here side by side.
"""

from __future__ import annotations

import re

from rag.text import STOP_WORDS, WORD, stem_words

# A sentence that needs the one before it to say who or what it is about (PRONOUN_START).
# "It" is left out: in news prose it is mostly "It has been revealed that ...".
PRONOUN_START = re.compile(r"^\W*(he|she|they|this|that|these|those|his|her|their|its|such|the two)\b", re.I)
BULLET = re.compile(r"^\s*(?:[-•*–]|\d+[.)])\s+")
# Number words a news story spells out ("ninety days", "about fifty jars").
NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|dozens?"
)
NUMBER = re.compile(
    rf"\d|\b({NUMBER_WORDS}|hundreds?|thousands?|"
    r"millions?|billions?|several|multiple|"
    r"an? (hour|minute|day|week|month|year)|hours|minutes|days|weeks|months|years)\b",
    re.I,
)
# A date or a time a story gives: "Oct. 19", "2022", "on Monday", "by the end of March" (a month
# alone only capitalised: "may" is a verb), "next week", "next summer", "the first century".
DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}|"
    r"(?-i:January|February|March|April|May|June|July|August|September|October|November|December)|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow|tonight|"
    r"(last|this|next) (week|month|year|quarter|spring|summer|autumn|winter)|"
    r"in (the )?(spring|summer|autumn|winter)|\w+ century|(19|20)\d{2})\b",
    re.I,
)
# "in Anchorage", "near the Kremlin", "in southeastern Ukraine", "in central Kyiv".
PLACE = re.compile(
    r"\b(in|at|near|to|from)\s+(the\s+)?(?:(?:[a-z]*(?:north|south|east|west)[a-z]*|central)\s+)?[A-Z][a-z]+"
)
# Irregular past forms the stemmer leaves apart from their verb ("met" answers "meet").
IRREGULAR = {
    w: base
    for base, forms in {
        "meet": "met",
        "say": "said",
        "tell": "told",
        "speak": "spoke spoken",
        "take": "took taken",
        "go": "went gone",
        "come": "came",
        "win": "won",
        "lose": "lost",
        "fall": "fell fallen",
        "rise": "rose risen",
        "send": "sent",
        "hold": "held",
        "make": "made",
        "begin": "began begun",
        "lead": "led",
        "leave": "left",
        "think": "thought",
        "bring": "brought",
        "buy": "bought",
        "fight": "fought",
        "write": "wrote written",
        "give": "gave given",
        "see": "saw seen",
        "know": "knew known",
        "fly": "flew flown",
        "strike": "struck",
        "seek": "sought",
        "find": "found",
        "get": "got gotten",
        "break": "broke broken",
        "choose": "chose chosen",
        "draw": "drew drawn",
        "drive": "drove driven",
        "grow": "grew grown",
        "pay": "paid",
        "build": "built",
        "keep": "kept",
        "shoot": "shot",
        "sell": "sold",
        "spend": "spent",
        "stand": "stood",
        "teach": "taught",
        "catch": "caught",
    }.items()
    for w in forms.split()
}
MONTH_ABBREVIATIONS = {
    "jan": "january",
    "feb": "february",
    "mar": "march",
    "apr": "april",
    "jun": "june",
    "jul": "july",
    "aug": "august",
    "sep": "september",
    "sept": "september",
    "oct": "october",
    "nov": "november",
    "dec": "december",
}
QUOTE_MARK = re.compile(r"[“”\"‘’]")
SPEECH_VERBS = r"(said|says|told|tells|wrote|writes|added|argued|warned|claimed|stated|admitted|recalled|urged)"
SPEECH = re.compile(rf"\b{SPEECH_VERBS}\b", re.I)
CONSEQUENCE_START = re.compile(r"^\W*(thus|therefore|so|as a result|consequently|hence)\b", re.I)
CALENDAR = frozenset(
    """
    january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday
    """.split()
) | frozenset(MONTH_ABBREVIATIONS)  # "What happened on Oct. 17?" names a date, not someone called Oct
REASON = re.compile(
    r"\b(because|due to|so that|in order to|aimed at|intended|meant to|as a result|reasons?|since|after|"
    r"following|would (?:lead|allow|only)|thus|therefore|to (?:avoid|prevent|stop|set up|divert|test|signal))\b",
    re.I,
)


# --- Verbs of saying ---------------------------------------------------------------------------
# Not one list: each user reads a different text for a different mistake to avoid, and merging
# them changes what matches (measured by `rag eval` and `rag eval --quotes` whenever one changes).

# An article sentence that attributes words (answer scoring's quote bonus, "X said he sees
# progress." completed by the quotation after it): the common past and present forms only, since
# a rarer verb there is more often not about speech ("noted", "called").
# (SPEECH_VERBS and SPEECH above.)

# A question that asks for someone's words ("What did X say / call / describe…?"): the question
# type "quote". Bare forms and past forms, as questions use them; of argue, urge, suggest, stress the
# bare form only ("What did X argue…?"), as their past form is more often a clause ("after Putin
# warned him": on the golden splits, "warned" made "What did Trump do after…?" a quotation question).
QUESTION_SPEECH_VERBS = (
    r"say|said|says|tell|told|quote|quoted|claim|claimed|describe|described|call|called|warn|"
    r"admit|admitted|argue|urge|suggest|stress|write|wrote"
)

# "What did X <verb>…?" / "Who <verb>…?" answered from the quotes index: only verbs whose object is
# what was said (not "describe", "call": those ask about a description, which the index does not hold).
ROUTED_SPEECH_VERBS = (
    r"say|said|tell|told|write|wrote|claim|claimed|warn|warned|argue|argued|urge|urged|announce|announced|"
    r"admit|admitted|suggest|suggested|stress|stressed"
)

# The articles themselves as a question names them ("What are the articles about?").
CORPUS_NOUNS = ("article", "articles", "report", "reports", "story", "stories", "coverage", "news")
# Words of speech in a question that ask for nobody's words: "Tell me about X" asks about X, "the
# phone call" is a call, and "What do the articles say about X?" asks what they hold about X (the
# articles are no speaker to find quoted).
_NOT_SPEECH = re.compile(
    r"^\W*(?:(?:please|can you|could you|would you)\s+)?tell (?:me|us)\b"
    r"|\b(?:(?:the|a|an|this|that|their|his|her|its|another)(?: (?:latest|last|recent|next|previous|same|final|earlier"
    r"|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\w+-\w+))*|phone) calls?\b"
    rf"|\b(?:the|these|those|all|this|that) (?:{'|'.join(CORPUS_NOUNS)})(?: \w+)? (?:{QUESTION_SPEECH_VERBS})\b",
    re.I,
)


def without_non_speech(question: str) -> str:
    """``question`` with the words of speech that ask for no one's words taken out (see
    ``_NOT_SPEECH``), for telling whether it asks what someone said."""
    return " ".join(_NOT_SPEECH.sub(" ", question).split())


# "What did <X> say / tell / reply…": the infinitives after which X must be the one speaking in the
# answer sentence (the answerability feature speaker_match), "think" included ("What does X think").
ASKED_SPEAKER_VERBS = (
    r"say|tell|write|claim|call|warn|admit|urge|suggest|argue|describe|"
    r"indicate|announce|stress|insist|reply|respond|think"
)

# Any form of a verb of saying in an article sentence, for finding the speaker near it
# (speaker_match, type_match for "quote"): the widest pattern, stems with \w*, multiword acts.
SPEECH_ACT = re.compile(
    r"\b(sa(?:y|ys|id)|tell|tells|told|wr(?:ite|ites|ote|iting)|add(?:ed|s)?|argu\w*|warn\w*|claim\w*|stat(?:ed|es)|"
    r"admit\w*|recall\w*|urg\w*|called|calling|calls? (?:for|on)|suggest\w*|indicat\w*|dismiss\w*|"
    r"characteri[sz]\w*|describ\w*|announc\w*|stress\w*|insist\w*|reiterat\w*|not(?:ed|es)|pointed out|"
    r"went on|prais\w*|accus\w*|"
    r"made it clear|repl\w*|respond\w*)\b",
    re.I,
)
# After these (inverted: "…,” said Witkoff) the name that follows is the speaker; after "told" it
# is the one spoken to.
INVERTED_SPEECH = re.compile(r"^(said|says|added|wrote|asked)$", re.I)

# The judge's: who a claim or a passage says spoke ("Trump said", "…,” said Witkoff), to catch an
# answer that gives the words to the wrong person. Past forms a report uses, "asked" and
# "defended" included (an answer may say "Trump defended Witkoff, saying…").
CHECKED_SPEECH_VERBS = (
    r"(?:said|says|say|told|tells|wrote|writes|added|argued|warned|claimed|claiming|stated|admitted|recalled|"
    r"urged|called|described|characteri[sz]ed|dismissed|insisted|suggested|noted|announced|reiterated|stressed|"
    r"accused|praised|defended|asked)"
)

# The quotes index's (rag.indexing.statements): every verb that introduces a statement, multiword
# ones ("made it clear", "issued a statement") and all tenses, since missing one loses a statement.
ATTRIBUTION_VERBS = (
    "said|says|say|told|tells|tell|warned|warns|warn|argued|argues|argue|claimed|claims|claim|stated|states|"
    "insisted|insists|suggested|suggests|indicated|indicates|noted|notes|reiterated|reiterates|reiterate|"
    "maintained|maintains|maintain|revealed|reveals|announced|announces|stressed|stresses|stress|repeated|"
    "urged|urges|urge|accused|accuses|praised|praises|cited|cites|characterized|characterised|wrote|writes|"
    "admitted|admits|added|adds|pointed out|caution|cautions|cautioned|reported|report|called on|calls on|"
    "called|calls|made it clear|went on|continue to report|continue to claim|continues to claim|issued a statement"
)
# ", claiming that…": a participle that attributes what follows to the clause's subject.
ATTRIBUTION_PARTICIPLES = "claiming|writing|warning|saying|noting|emphasizing|emphasising|arguing|adding|insisting"

# --- Pronouns ----------------------------------------------------------------------------------
# A follow-up that refers back ("What did he say?"): every personal pronoun, "it" included.
FOLLOW_UP_PRONOUNS = re.compile(r"\b(he|she|him|her|his|hers|they|them|their|it|its)\b", re.I)
# An answer that opens with a pronoun names no new thing ("It reaffirmed…"): "it" is still what was asked.
OPENING_PRONOUN = re.compile(r"^\W*(?:he|she|it|they|its|his|her|their)\b", re.I)
POSSESSIVE_PRONOUNS = frozenset({"his", "her", "hers", "their", "its"})
# A speaker the quotes index must resolve to someone named before ("he said", "the group said").
SPEAKER_PRONOUN = re.compile(r"^(he|she|they|it|the group|his team)$", re.I)


# --- Content words ------------------------------------------------------------------------------
def content_stems(text: str) -> list[str]:
    """Stemmed content words of ``text`` (stop words out, "Aug." read as "August", "met" as "meet")."""
    words = [w.lower().replace("’", "'") for w in WORD.findall(text)]
    words = [w[:-2] if w.endswith("'s") else w for w in words]
    words = [MONTH_ABBREVIATIONS.get(w, w) for w in words]  # "Aug. 15" answers "in August"
    words = [IRREGULAR.get(w, w) for w in words]
    return stem_words([w for w in words if w not in STOP_WORDS and len(w) > 1])


# "Which (Ukrainian) village did…", "What fund is…": the noun after which/what, auxiliaries aside.
_AUX = r"(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would)\b"
_WHICH_NOUN = re.compile(
    rf"\b(?:[Ww]hich\s+(?:[A-Z][\w-]*\s+)?(?!{_AUX})([a-z]{{3,}})|[Ww]hat\s+(?!{_AUX})([a-z]{{3,}})\s+{_AUX})"
)
# "What is Zelensky's position on…", "What is Trump's approval rating?": the noun after the possessive.
_WHOSE_NOUN = re.compile(r"^\W*what\s+(?:is|are|was|were)\s+[\w .-]+?[’']s\s+(?:([a-z]+)\s+)?([a-z]{3,})\b", re.I)


# "What reason did Russia give…?" asks why: the answer gives a reason without the word.
_WHY_NOUNS = frozenset(("reason", "reasons", "explanation", "justification"))


def asked_noun(question: str) -> str | None:
    """The noun naming what the question asks for: "countries" in "Which countries signed…",
    "rating" in "What is Trump's approval rating?"; ``None`` when it names none."""
    which = _WHICH_NOUN.search(question)
    noun = (which.group(1) or which.group(2)).lower() if which else None
    if noun and noun not in _WHY_NOUNS:
        return noun
    whose = whose_noun(question)
    return whose[1] if whose else None


def whose_noun(question: str) -> tuple[str, str] | None:
    """The word before the possessed noun and the noun of "What is X's …?": ("unemployment",
    "rate") for "What was Meridia's unemployment rate?", ("", "profession") for "What is
    Witkoff's profession?"; ``None`` for other questions."""
    whose = _WHOSE_NOUN.search(question)
    return ((whose.group(1) or "").lower(), whose.group(2).lower()) if whose else None


NATIONALITY = re.compile(r"(?:ian|ean|ese|ish|can)$")


def is_nationality(word: str) -> bool:
    """ "Russian", "Ukrainian", "European": a capitalised word that says whose."""
    return word[:1].isupper() and bool(NATIONALITY.search(word))


# --- Names as written ----------------------------------------------------------------------------
def same_name(asked: str, written: str) -> bool:
    """Whether two stemmed name words name the same one: "Zelensky" and "Zelenskyy" (a long stem
    as a prefix either way), "Witkoff" and the article's "Whitkoff" (one letter apart, long names)."""
    if asked == written:
        return True
    if len(asked) < 5 or len(written) < 5:
        return False
    if asked.startswith(written) or written.startswith(asked):
        return True
    return len(asked) >= 6 and len(written) >= 6 and _one_edit(asked, written)


def _one_edit(a: str, b: str) -> bool:
    """One letter inserted, dropped or changed turns ``a`` into ``b``."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k in range(len(a)) if a[k] != b[k]), len(a))
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]
