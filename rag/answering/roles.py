"""Roles read as the people who hold them: "the American leader" is the US president the
articles name, "the president's special envoy" the envoy they name. The role stays in the
question and the name is added after it in brackets ("the envoy (Steve Witkoff)"), since a
sentence may say either (:class:`rag.answering.question.QuestionReader` reads a bracketed
name as such an alias).

A question put in general words ("How did the Ukrainian leader describe…") shares no name
with the sentence that answers it ("Ukrainian President Volodymyr Zelensky said…"). The
titles come from the articles themselves (read at ingest into the quotes index:
:meth:`rag.indexing.statement_store.StatementStore.titles`), so a role is only named when the
corpus gives it a holder.
"""

from __future__ import annotations

import re

_NATIONAL_ROLE = re.compile(
    r"\b(?:the\s+)?(?P<nation>US|U\.S\.|American|Russian|Ukrainian|French|German|British|Kremlin)\s+"
    r"(?P<role>leader|president|head of state)\b(?![’']?s?\s*\()",
    re.I,
)
_ENVOY = re.compile(
    r"\bthe\s+(?:(?:US|U\.S\.|American|president[’']s)\s+)?(?P<role>special envoy|envoy)\b(?![’']?s?\s*\()", re.I
)
_NATION = {"american": "us", "u.s.": "us", "us": "us", "kremlin": "russian"}
_ALIAS = re.compile(r"\s*\([^()]*\)")  # what name_roles adds: " (Steve Witkoff)"


def name_roles(question: str, titles: dict[str, str]) -> str:
    """``question`` with the name of each role's holder, where the articles give one, after the role."""

    def national(m: re.Match[str]) -> str:
        nation = m.group("nation").lower()
        name = titles.get(f"{_NATION.get(nation, nation)} president")
        return f"{m.group(0)} ({name})" if name else m.group(0)

    def envoy(m: re.Match[str]) -> str:
        name = titles.get(m.group("role").lower()) or titles.get("special envoy")
        return f"{m.group(0)} ({name})" if name else m.group(0)

    return _ENVOY.sub(envoy, _NATIONAL_ROLE.sub(national, question))


def without_aliases(text: str) -> str:
    """``text`` without the bracketed names :func:`name_roles` added: the question as asked."""
    return _ALIAS.sub("", text)
