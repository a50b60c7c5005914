"""Boilerplate figure: how much of what each HTML reader keeps is the article, and how much of the
article it keeps (``python -m evals.boilerplate``), on the labelled pages of ``evals/news_pages``.

Words are compared as multisets: precision = words of the output that are main-text words /
words of the output; recall = main-text words found in the output / words of the main text.
Readers: the tag scanner alone (before issue 27), the project's HTML reader (trafilatura's main
text mapped onto the scanner's offsets, what ``.html`` files in the corpus get) and trafilatura's
own text (what fetched pages are stored as).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from rag.indexing.html_cleaning import clean_html, scan_html
from rag.indexing.page_text import article_text, extract_page

PAGES = Path(__file__).with_name("news_pages")
_WORD = re.compile(r"\w+")


def _words(text: str) -> Counter[str]:
    return Counter(w.lower() for w in _WORD.findall(text))


def score(output: str, main: str) -> tuple[float, float]:
    """(precision, recall) of ``output``'s words against ``main``'s."""
    got, want = _words(output), _words(main)
    common = sum((got & want).values())
    return common / max(1, sum(got.values())), common / max(1, sum(want.values()))


READERS: dict[str, Callable[[str], str]] = {
    "tag scanner (before)": lambda page: scan_html(page)[0].text,
    "corpus .html reader": lambda page: clean_html(page)[0].text,
    "fetched article text": lambda page: "\n".join(extract_page(page).paragraphs),
}


def main() -> None:
    """Print precision and recall per reader, page by page and over all pages."""
    labelled = sorted(PAGES.glob("*.main.txt"))
    totals = {name: [0.0, 0.0] for name in READERS}
    print(f"{'page':22} " + " | ".join(f"{n:>24}" for n in READERS))
    for label in labelled:
        page = label.with_name(label.name.replace(".main.txt", ".html")).read_text("utf-8")
        main_text = label.read_text("utf-8")
        cells = []
        for name, read in READERS.items():
            p, r = score(read(page), main_text)
            totals[name][0] += p
            totals[name][1] += r
            cells.append(f"P {p:.2f} R {r:.2f}".rjust(24))
        print(f"{label.name[:-9]:22} " + " | ".join(cells))
    n = len(labelled)
    means = [f"P {p / n:.2f} R {r / n:.2f}".rjust(24) for p, r in totals.values()]
    print(f"{'mean of ' + str(n) + ' pages':22} " + " | ".join(means))
    first = labelled[0].with_name(labelled[0].name.replace(".main.txt", ".html"))
    stored = article_text(extract_page(first.read_text("utf-8")))
    print(f"\nA fetched page is stored as:\n{stored}")


if __name__ == "__main__":
    main()
