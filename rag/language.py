"""The language rules of English news copy, in one place: word lists and patterns the read
stage, the decision, the answerers and the quotes index share.

Each user imports the subset it needs and says why; where two users need different subsets
(a question's speech verbs are fewer than an article's), the subsets are named here side by side.
"""

from __future__ import annotations

import re

# "It" is left out: in news prose it is mostly "It has been revealed that ...".
PRONOUN_START = re.compile(r"^\W*(he|she|they|this|that|these|those|his|her|their|its|such|the two)\b", re.I)
BULLET = re.compile(r"^\s*(?:[-•*–]|\d+[.)])\s+")
NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|"
    r"millions?|billions?|several|multiple|"
    r"an? (hour|minute|day|week|month|year)|hours|minutes|days|weeks|months|years)\b",
    re.I,
)
DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|last (week|month|year)|"
    r"this (week|month|year)|(19|20)\d{2})\b",
    re.I,
)
PLACE = re.compile(r"\b(in|at|near|to|from)\s+(the\s+)?[A-Z][a-z]+")
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
)
REASON = re.compile(
    r"\b(because|due to|so that|in order to|aimed at|intended|meant to|as a result|reasons?|since|after|"
    r"following|would (?:lead|allow|only)|thus|therefore|to (?:avoid|prevent|stop|set up|divert|test|signal))\b",
    re.I,
)
