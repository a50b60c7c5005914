"""Page furniture that is not article text, one set of rules for every reader: the plain-text
cleaner drops such lines, the HTML reader such paragraphs (after trafilatura has dropped menus,
ads and comments by the page's structure, these are what a page's text itself carries)."""

from __future__ import annotations

import re

# A line that is only a label ("Read More:", "Post a Comment", "0 Comments", "Share this") or a
# label and a link's title ("Also Read: Why the city needs more parks").
_FURNITURE = re.compile(
    r"^\s*(?:"
    r"(?:also read|read more|related|see also|more on this)\s*:.*"
    r"|(?:also read|read more|related|post a comment|\d+\s+comments?|share(?: this)?|advertisement)\s*:?"
    r")\s*$",
    re.IGNORECASE,
)


def is_furniture(line: str) -> bool:
    """Whether a line or paragraph is page furniture rather than article text."""
    return bool(_FURNITURE.match(line))
