"""What kind of thing a sentence holds, against what the question asks for: the ``type_match``
feature of :mod:`rag.answering.answerability` ("how many" wants a count of what it counts, "when" a
date, "who" a name or a body, "where" a place) and the vague counts that say no number."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from rag.answering.asked_detail import without_unsaid
from rag.answering.question import QuestionType
from rag.language import DATE, NATIONALITY, NUMBER_WORDS, PLACE, SPEECH, SPEECH_ACT, is_nationality, same_name
from rag.text import STOP_WORDS as STOP
from rag.text import stem

_QUANTITY = re.compile(
    rf"(?<![\d,.])(?!(?:19|20)\d\d\b)\d[\d,.]*|\b({NUMBER_WORDS}|"
    r"hundreds?|thousands?|millions?|billions?|several|multiple|an? (?:hour|minute|day|week|month|year))\b",
    re.I,
)
# "Their sixth" (call) says how many there were; "first" is more often "at first".
_ORDINALS = frozenset("second third fourth fifth sixth seventh eighth ninth tenth".split())
_COUNT_WORDS = frozenset("dozens hundreds thousands several multiple".split()) | _ORDINALS
_AGE = re.compile(r"\b(\d{1,3}|\w+ty(?:-\w+)?)[- ]years?[- ]old\b|\baged? \d{1,3}\b|\bborn\b", re.I)
_MONEY = re.compile(r"[$€£]|\b(dollars?|euros?|pounds?|rubles?|hryvnias?)\b", re.I)
_ASKS_MONEY = re.compile(
    r"\b(money|dollars?|euros?|cost|costs|worth|price|pay|paid|spend|spent|budget|earn|earns|earned|salary|"
    r"salaries|wages?|income)\b",
    re.I,
)
# A name inside the sentence (not the capital that opens it), or a word for a person or body.
# A name after "in", "of", "by"… is a place ("controlled by Moscow"), not who did it.
_PERSON = re.compile(
    r"(?<!\b(?:in|at|of|by|on) )(?<!\b(?:near|from|into) )(?<=[a-z,] )[A-Z][a-z]+|"
    r"\b(officials?|leaders?|president|minister|envoy|commander|spokes\w+|diplomats?|analysts?|company|aide|reporters?|"
    # bodies: "He reported the find to the coast guard" answers "Whom did he report it to?"
    r"police|coast guard|guards?|agency|council|ministry|government|court|committee|authorit(?:y|ies)|unions?|"
    r"regulators?|prosecutors?|investigators?|firm|board|commission|panel|tribunal|inquiry|association|department)\b"
)
# "On Air Force One", "the village of Milove", "cool rooms where children can spend the afternoon":
# places that PLACE (scoring's "in/at Xxx") leaves out.
_PLACE_MORE = re.compile(
    r"\b(on|aboard|inside|outside)\s+(the\s+)?[A-Z][a-z]+|\b(city|town|village|region|province) of [A-Z]|"
    r"\b[a-z]{3,} where\b"
)
_QUOTATION = re.compile(r"[“”\"]|(?<!\w)‘")
# ", not months,": a "not" that corrects a detail, and denies nothing.
_CONTRAST = re.compile(r",\s+not(?=\s+[\w-]+\s*[,.;])", re.I)
_DENIAL = re.compile(r"\b(not|never|n[’']t|yet to|cancel(?:l?ed)?|without|refus\w*|reject\w*)\b", re.I)
# "Since the beginning of the war in 2022", "since Oct. 19": how long something has lasted.
_SINCE = re.compile(r"\bsince\b(?:\s+[\w’'-]+){0,6}?\s+(?:" + DATE.pattern + ")", re.I)
# An end point says how long something will take: "it would take until the spring to clear the
# backlog", "Schools will run half-days until the heat breaks".
_UNTIL = re.compile(r"\b(?:until|till)\b", re.I)
# "When will…?", "Who will…?", "Which company will…?", "What price will…?" ask about a time to come,
# which a sentence gives with a word for it ("will resume on Monday", "is due to start next spring",
# "should run by 2030"); the date of a past visit, or who spoke on Tuesday, does not. Not "What does
# he say will happen?", nor "How long will the line be?" or "What will happen…?": a plan is told as
# much by "voted to build a line linking…".
_ASKS_FUTURE = re.compile(
    r"\W*(?:when (?:will|are|is)\b|(?:who|whom)\s+will\b"
    r"|(?:which|what)\s+(?!(?:does|do|did|is|are|was|were|has|have|had)\b)[\w’'-]+(?:\s+[\w’'-]+)?\s+will\b)"
    r"(?!.*\b(?:did|was|were|has|had)\b)",
    re.I,
)
_FUTURE = re.compile(
    r"\b(?:will|would|shall|should|could|may|might|going to|due|expected|scheduled|set to|plans?|planned|"
    r"intends?|next|upcoming|later|soon|from|until|within|by the end|is to|are to|agreed to|[a-z]+[’']ll)\b",
    re.I,
)
# "How long has she held the post?" asks how long up to now: "since 2019", "for the past decade",
# "who has been a detective for 20 years", "two years ago".
_ASKS_SO_FAR = re.compile(r"\bhow long (?:has|have)\b(?!.*\bsince\b)", re.I)
_SO_FAR = re.compile(
    r"\bsince\b|\bago\b|\b(?:has|have|had)\s+(?:[\w’'-]+\s+){0,12}?for\b|\bfor the (?:past|last)\b", re.I
)
# What a denial leaves standing: "the missile package was canceled" says none were delivered, not how
# many were requested, asked for or held in stock, nor how many were in the canceled package.
_NOT_DENIED = re.compile(
    r"\b(?:request\w*|ask(?:s|ed)?|want\w*|seek\w*|sought|need\w*|(?:does|do|did) [\w .’'-]{1,30}? have|"
    r"in stock|cancel\w*|scrapp\w*|halt\w*)\b",
    re.I,
)
_DATE_WORDS = frozenset(stem(w) for w in "when date time day year month week next".split())
_MEASURE_WORDS = frozenset(stem(w) for w in "how long old far big large much many".split())
# A duration without a number: "for over a decade", "for years", "a months-long standoff".
_DURATION = re.compile(
    r"\b(?:(?:(?:for|over|nearly|almost|more than)\s+)*(?:an?\s+)?(?:decades?|centur(?:y|ies))|"
    r"(?:for|over|nearly|almost) (?:years|months|weeks|days|hours)|"
    r"(?:years|months|weeks|days|hours)-long)\b",
    re.I,
)
# "At what time…?" asks for a time of day, which a date ("on Monday") or "hours after" does not give.
_ASKS_TIME = re.compile(r"\b(?:what|which) time\b|\btime of day\b", re.I)
# A clock time ("by 6 a.m.", "at 14:30") and a span from now ("within a week") answer "when" as a date does.
_CLOCK = r"\b\d{1,2}(?::\d{2})?\s*(?:a\.?m\b|p\.?m\b)|\b\d{1,2}:\d{2}\b"
_WHEN_MORE = re.compile(
    _CLOCK + r"|\bwithin (?:a|an|one|two|three|four|five|six|ten|\d+) (?:hours?|days?|weeks?|months?|years?)\b", re.I
)
_TIME_OF_DAY = re.compile(
    _CLOCK + r"|\b(?:morning|afternoon|evening|night|"
    r"overnight|midnight|noon|midday|dawn|dusk|daybreak|nightfall|o[’']clock|tonight)\b",
    re.I,
)
# "What share of…?" asks for a part of a whole: "40%", "a third", "a majority", not any number.
_ASKS_SHARE = re.compile(r"\b(?:what|which) (?:share|percentage|proportion|fraction)\b", re.I)
_SIZES = r"large|big|tall|high|heavy|wide|deep"
_ASKS_SIZE = re.compile(rf"\bhow (?:{_SIZES})\b", re.I)
# What "how large is…" measures: "the reward" in "How large is the reward for information about the
# paintings?" (a count of paintings is not its size); the adjective comes first.
_MEASURED = re.compile(
    rf"\bhow ({_SIZES})\s+(?:is|are|was|were|will|would)\s+(?:the\s+|an?\s+)?"
    r"((?:[\w'’-]+\s+){0,2}?[\w'’-]+?)(?=\s+(?:for|of|about|that|which|who|in|on|at|be|to|from|by|with)\b|\s*\?)",
    re.I,
)
_SHARE = re.compile(
    r"\d\s*(?:%|percent\b|per cent\b)|\b(?:half|thirds?|quarters?|fifths?|tenths?|majority|minority|one in \w+)\b",
    re.I,
)
HOW_MANY = re.compile(r"\bhow many\b", re.I)
_DISTANCE = re.compile(
    rf"(?:\d[\d,.]*|\b(?:{NUMBER_WORDS}|an?|half an?))[\s-]*"
    r"(?:kilomet(?:re|er)s?|km|miles?|met(?:re|er)s?|feet|yards?)\b",
    re.I,
)
# Counts that give no number: "several", "multiple", "thousands of dead fish".
_VAGUE_COUNT = re.compile(
    r"\b(?:several|multiple|numerous)\b|(?<![\d,.] )\b(?:tens of )?(?:dozens|hundreds|thousands|millions) of\b", re.I
)
# A change ("By how much…", "How much will pay rise?"): a share answers it as well as a sum.
_CHANGE_VERBS = (
    r"\b(?:rise|rises|rose|risen|increase[sd]?|grow|grows|grew|grown|fall|falls|fell|"
    r"fallen|drop|drops|dropped|decline[sd]?|shrink|shrank|shrunk|climb|climbed|jump|jumped|go up|go down|went up|"
    r"went down)\b"
)
_BY_HOW_MUCH = re.compile(r"\bby how much\b|\bhow much\b.*" + _CHANGE_VERBS, re.I)
# "How far has inflation come down?" asks how much it changed, not a distance.
_CHANGE = re.compile(_CHANGE_VERBS + r"|\bcome (?:down|up)\b", re.I)
COUNTED = re.compile(r"\bhow (?:many|much)\s+((?:[\w-]+\s+){0,1}[\w-]+)", re.I)  # what is counted: "committee members"
# "How many people…" counts people by whatever else the question names: jobs, passengers, workers.
_PEOPLE = frozenset(stem(w) for w in ("people", "person", "persons"))
_SUBJECT = re.compile(
    r"^\W*([A-Z][\w-]+(?:\s+[A-Z][\w-]+)*)\s+(?:is|was|are|were|has|have|had|said|says|told|will|would|did)\b"
)


def type_matches(kind: QuestionType, text: str, question: str = "", stem: Callable[[str], str] = str.lower) -> bool:
    """Whether ``text`` holds the kind of thing the question asks for: a count of what "how many"
    counts (a year is no count), a sum for "how much money", a date, a place, a quotation, or
    for "who" a name or a role the question does not already hold. Any sentence may give a reason."""
    if kind is QuestionType.number:
        amounts = DATE.sub(" ", text)  # "Oct. 19" and "2022" are dates, not counts
        counted = COUNTED.search(question)
        targets = {stem(w) for w in counted.group(1).split() if w.lower() not in STOP} if counted else set()
        if re.search(r"\bhow old\b", question, re.I):  # an age has no false premise a denial answers
            return bool(_AGE.search(text))
        # "the missile package was canceled" answers "how many missiles were delivered": a denial
        # near what is counted ("without access to weapons" says nothing of F-16 pilots), or for
        # "how long…" near what it asks about ("Trump did not provide details" is no duration).
        about = _asked_about(question, stem) - _MEASURE_WORDS
        if _denies(text, targets or about, stem) and not (counted and _NOT_DENIED.search(question)):
            return True
        if _ASKS_SO_FAR.search(question) and not _SO_FAR.search(text):
            return False  # "frozen for three years" does not say how long she has held a season ticket
        if re.search(r"\bhow long\b", question, re.I) and (
            _SINCE.search(text) or _near(_DURATION, text, about, stem, 5) or _near(_UNTIL, text, about, stem, 6)
        ):
            # "since the beginning of the war in 2022" says how long; "for over a decade" says how
            # long what is next to it lasted ("…peaceful resolution to the conflict for over a decade")
            return True
        if re.search(r"\bhow far\b", question, re.I) and not _CHANGE.search(question):
            return bool(_DISTANCE.search(amounts))  # a distance, not "14,000 hectares" nor "20 percent"
        if _ASKS_SHARE.search(question):
            return bool(_SHARE.search(text))
        if _ASKS_SIZE.search(question):  # "How large are the reserves?": not "between the two countries"
            return _near(_QUANTITY, amounts, _measured(question, stem) or about, stem, 5)
        if _BY_HOW_MUCH.search(question):  # a change: a share answers it as well as a sum
            return bool(_QUANTITY.search(amounts) or _SHARE.search(amounts))  # "fallen by about a third"
        # A sum for "how much money/did it cost", not for "how many jobs does it pay for" (a count).
        if _ASKS_MONEY.search(question) and not HOW_MANY.search(question):
            return bool(_QUANTITY.search(amounts)) and _near(_MONEY, amounts, about, stem, 8)
        if counted and not HOW_MANY.search(question):  # "How much did prices rise?": an amount, not a count,
            # of what it asks about ("How much lithium…?" is not answered by "the two countries")
            return _near(_QUANTITY, amounts, about, stem, 5) or _near(_SHARE, amounts, about, stem, 5)
        if counted:
            words = re.findall(r"[\w,.-]+", amounts)
            # What is counted follows the count ("14 people"). It comes before an ordinal ("another
            # call with Putin, their sixth") and before the count of a verb: "injuring at least 14"
            # answers "how many were injured".
            by_verb = counted.group(1).split()[0].lower() in STOP
            # "How many Russian soldiers…" is not answered by "10,000 Ukrainian soldiers"
            asked_nation = next((w for w in counted.group(1).split() if is_nationality(w)), None)
            # "How many people could lose their jobs?": "1,400 jobs at risk". Nor need what is counted
            # be named as the question names it: "How many riders…?" by "60,000 passengers a day".
            if targets and (targets <= _PEOPLE or not targets & {stem(w.strip(",.").lower()) for w in words}):
                targets |= about  # any group the question counts them by, or what else it asks about

            def counts_target(after: list[str]) -> bool:
                for j, x in enumerate(after):
                    if stem(x.strip(",.")) in targets:
                        before = after[j - 1] if j else ""
                        return not (asked_nation and is_nationality(before) and before != asked_nation)
                return False

            # A count joined to a word by a hyphen: "Forty-two schools", "a 22-turbine wind farm"
            # (what it counts is the joined word: "a 9.2-billion-dollar merger" counts no mergers).
            joined = [w.partition("-") for w in words]
            return any(
                counts_target([tail] if tail and not _QUANTITY.fullmatch(tail) else _counted_words(words, i))
                or (
                    (by_verb or head.lower() in _ORDINALS)
                    and any(stem(x.strip(",.")) in targets for x in words[max(0, i - 5) : i])
                )
                for i, (head, _, tail) in enumerate(joined)
                if _QUANTITY.fullmatch(head) or head.lower() in _COUNT_WORDS
            )
        return bool(_QUANTITY.search(amounts))
    if kind is QuestionType.date:
        # a denial of what is asked about: "the package was canceled" for "When were the missiles
        # delivered?", not "…if it does not agree to a ceasefire" for "When will the G7 meet?"
        about = _asked_about(question, stem) - _DATE_WORDS
        denied = _denies(text, about, stem)
        if _ASKS_TIME.search(question):
            return bool(_TIME_OF_DAY.search(text)) or denied
        # "Until when…?" asks for an end point: "until the reservoirs recover" is one
        ended = bool(re.match(r"\W*(?:until|till) when\b", question, re.I)) and _near(_UNTIL, text, about, stem, 6)
        return bool(DATE.search(text) or _WHEN_MORE.search(text)) or denied or ended
    if kind is QuestionType.place:
        return bool(PLACE.search(text) or _PLACE_MORE.search(text))
    if kind is QuestionType.quote:
        return bool(_QUOTATION.search(text) or SPEECH.search(text) or SPEECH_ACT.search(text))
    if kind is QuestionType.person:
        asked = question.lower()
        subject = _SUBJECT.match(text)  # "Techmet is preparing…": the name that opens the sentence
        names = [m.group(0) for m in _PERSON.finditer(text)] + ([subject.group(1)] if subject else [])
        return any(n.lower() not in asked and not NATIONALITY.search(n) for n in names)
    return True


def _counted_words(words: list[str], i: int) -> list[str]:
    """The words after the count at ``i`` that may say what it counts, an appositive's with them:
    "more than 600 amphorae, the clay jars used…" counts jars."""
    after = words[i + 1 : i + 4]
    if after and after[0].endswith(",") and len(after) > 1 and after[1].lower() in ("the", "a", "an"):
        return words[i + 1 : i + 6]
    return after


def of_the_past(question: str, text: str) -> bool:
    """Whether a question about what will be ("When will Zelensky next visit…?", "Who will lead the
    delegation?") meets a sentence with no word for a time to come: it tells what was."""
    return bool(_ASKS_FUTURE.match(question)) and not _FUTURE.search(text)


def only_vague_count(kind: QuestionType, question: str, text: str, stem: Callable[[str], str] = str.lower) -> bool:
    """Whether ``text`` counts what "how many" asks about only as "several" or "multiple": the
    articles do not say how many ("multiple settlements" for "How many settlements…?", "Thousands of
    dead fish" for "How many dead fish have been counted?")."""
    if kind is not QuestionType.number or not HOW_MANY.search(question):
        return False
    plain = _VAGUE_COUNT.sub(" ", text)
    return type_matches(kind, text, question, stem) and not type_matches(kind, plain, question, stem)


@lru_cache(maxsize=256)  # asked once per candidate sentence of the same question
def _asked_about(question: str, stem: Callable[[str], str]) -> frozenset[str]:
    """The stemmed content words of a question (its first, for a follow-up made standalone)."""
    return frozenset(stem(w) for w in re.findall(r"[\w-]+", question.split("?", 1)[0]) if w.lower() not in STOP)


def _measured(question: str, stem: Callable[[str], str]) -> frozenset[str]:
    """The stemmed words of what a "how large/tall/deep…" question measures, and the measure itself
    ("38 metres deep"); none when it cannot tell."""
    found = _MEASURED.search(question)
    words = [found.group(1), *found.group(2).split()] if found else []
    return frozenset(stem(w.lower()) for w in words if w.lower() not in STOP)


def _denies(text: str, targets: set[str] | frozenset[str], stem: Callable[[str], str]) -> bool:
    """Whether ``text`` holds a denial ("canceled", "not", "yet to") within four words of one of
    ``targets`` (of any, when there are none). "He did not say…" is not one (:func:`without_unsaid`),
    nor a contrast ("it will take years, not months, for the river to recover")."""
    return _near(_DENIAL, _CONTRAST.sub(",", without_unsaid(text)), targets, stem, 4)


def _near(
    pattern: re.Pattern[str], text: str, targets: set[str] | frozenset[str], stem: Callable[[str], str], words: int
) -> bool:
    """Whether a match of ``pattern`` in ``text`` is within ``words`` words of one of ``targets``
    (any match, when there are none)."""
    for found in pattern.finditer(text):
        if not targets:
            return True
        before = re.findall(r"[\w-]+", text[: found.start()])[-words:]
        near = frozenset(stem(w) for w in before + re.findall(r"[\w-]+", text[found.end() :])[:words])
        if any(has_name(t, near) for t in targets):
            return True
    return False


def has_name(stem: str, stems: frozenset[str]) -> bool:
    """Whether the stemmed name word ``stem`` is in ``stems``, as written or misspelt (:func:`same_name`)."""
    return stem in stems or (len(stem) >= 5 and any(same_name(stem, s) for s in stems))
