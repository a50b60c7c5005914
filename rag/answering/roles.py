"""Roles read as the people who hold them: "the American leader" is the US president the
articles name, "the president's special envoy" the envoy they name.

A question put in general words ("How did the Ukrainian leader describe…") shares no name
with the sentence that answers it ("Ukrainian President Volodymyr Zelensky said…"). The
titles come from the articles themselves (:func:`rag.indexing.speakers.corpus_titles`), so a
role is only named when the corpus gives it a holder.
"""

from __future__ import annotations

import re

_NATIONAL_ROLE = re.compile(
    r"\b(?:the\s+)?(?P<nation>US|U\.S\.|American|Russian|Ukrainian|French|German|British|Kremlin)\s+"
    r"(?P<role>leader|president|head of state)\b",
    re.I,
)
_ENVOY = re.compile(r"\bthe\s+(?:(?:US|U\.S\.|American|president[’']s)\s+)?(?P<role>special envoy|envoy)\b", re.I)
_NATION = {"american": "us", "u.s.": "us", "us": "us", "kremlin": "russian"}


def name_roles(question: str, titles: dict[str, str]) -> str:
    """``question`` with each role the articles give a holder replaced by that person's name."""

    def national(m: re.Match[str]) -> str:
        nation = m.group("nation").lower()
        name = titles.get(f"{_NATION.get(nation, nation)} president")
        return name or m.group(0)

    def envoy(m: re.Match[str]) -> str:
        return titles.get(m.group("role").lower()) or titles.get("special envoy") or m.group(0)

    return _ENVOY.sub(envoy, _NATIONAL_ROLE.sub(national, question))
