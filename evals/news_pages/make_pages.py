# ruff: noqa: E501  (the pages' text and markup, kept a line each so they read as written)
"""Write the labelled news pages (``python -m evals.news_pages.make_pages``): ten articles in the
furniture of five kinds of news site, each page with its main text beside it (``<name>.main.txt``,
a paragraph a line), and one story as three syndicated copies. The articles are invented for
this test and say nothing the seed articles say. Used by ``python -m evals.boilerplate`` and by
the ingest tests' local news server."""

from __future__ import annotations

import html
import json
from pathlib import Path

HERE = Path(__file__).parent

ARTICLES = [
    (
        "harbour-bridge",
        "Harbour bridge reopens after two years of repairs",
        "Maria Lopez",
        "2025-09-03",
        [
            "The Westport harbour bridge reopened to traffic on Tuesday after two years of repairs that cost 84 million euros.",
            "Mayor Anton Greve said the bridge would carry 30,000 vehicles a day and cut the trip to the old town by twenty minutes.",
            "Cyclists get a separate lane on the eastern side, which the city council added to the plan in 2024.",
        ],
    ),
    (
        "grain-harvest",
        "Drought cuts the grain harvest by a fifth",
        "Tomas Varga",
        "2025-08-21",
        [
            "The national grain harvest fell by 21 percent this year because of the longest drought in four decades, the farm ministry said.",
            "Wheat suffered most, with yields of 4.1 tonnes a hectare against 5.6 tonnes last year.",
            "Minister Elena Sorin promised 300 million in aid to farmers and said the country would not need to import flour.",
        ],
    ),
    (
        "chess-final",
        "Teenager wins the national chess final",
        "Ben Okafor",
        "2025-07-14",
        [
            "Sixteen-year-old Lina Marsh won the national chess championship on Sunday, the youngest winner in the event's history.",
            "She beat the defending champion, Karl Pfeiffer, in a rapid tie-break after four drawn classical games.",
            "Marsh said she had trained with an online coach for three years and would play in the European youth event in October.",
        ],
    ),
    (
        "rail-strike",
        "Rail workers call a 48-hour strike",
        "Sofia Berg",
        "2025-10-02",
        [
            "The rail workers' union called a 48-hour strike from Thursday over pay, after talks with the operator broke down.",
            "The union wants a 9 percent raise; the operator has offered 4 percent over two years.",
            "About 1,200 trains a day will be cancelled, the operator said, and replacement buses will run on the main lines only.",
        ],
    ),
    (
        "museum-theft",
        "Gold coins stolen from the city museum",
        "Paul Iversen",
        "2025-06-30",
        [
            "Thieves took 37 gold coins from the city museum overnight on Saturday, police said.",
            "The coins, minted in the fourteenth century, were insured for 2.5 million euros.",
            "Police chief Hanna Lind said the alarm had been switched off by someone who knew the code.",
        ],
    ),
    (
        "solar-farm",
        "Largest solar farm in the region starts production",
        "Ana Costa",
        "2025-05-19",
        [
            "A 220-megawatt solar farm near Valdera began feeding power into the grid on Monday.",
            "Its 400,000 panels will supply about 90,000 homes, according to the operator, Sunfield Energy.",
            "Local farmers leased the land for 30 years, and sheep will graze between the rows of panels.",
        ],
    ),
    (
        "flu-season",
        "Hospitals brace for an early flu season",
        "David Kim",
        "2025-11-05",
        [
            "Hospitals have opened extra wards as flu cases rose three weeks earlier than usual, the health agency said.",
            "Doctors reported 14,000 cases last week, twice the number of the same week a year ago.",
            "The agency urged people over 65 to get vaccinated and said the vaccine matched the circulating strain well.",
        ],
    ),
    (
        "ferry-route",
        "New ferry route links the islands to the mainland",
        "Nora Quist",
        "2025-04-11",
        [
            "A new ferry route between Osterby and the mainland port of Halden opens on 1 May, the transport authority said.",
            "The crossing takes 55 minutes and two ships will sail eight times a day in summer.",
            "Islanders had campaigned for the route since the old service was stopped in 2019.",
        ],
    ),
    (
        "tech-layoffs",
        "Software maker cuts 600 jobs",
        "Ravi Mehta",
        "2025-03-27",
        [
            "The software maker Brightline said on Thursday it would cut 600 jobs, about 8 percent of its staff.",
            "Chief executive Laura Finch said sales of its office suite had fallen for three quarters in a row.",
            "Most of the cuts will be in sales and marketing; the company will keep hiring engineers for its cloud products.",
        ],
    ),
    (
        "marathon-record",
        "Course record falls at the city marathon",
        "Jonas Weber",
        "2025-10-19",
        [
            "Kenyan runner Grace Wanjiru set a course record of 2 hours 19 minutes at the city marathon on Sunday.",
            "She broke the old record by 41 seconds despite strong wind in the second half of the race.",
            "More than 18,000 runners finished, and organisers said the event raised 1.2 million euros for charity.",
        ],
    ),
]

SITES = ["dailyplanet.example", "morningpost.example", "citywire.example", "northnews.example", "globalwire.example"]


def _jsonld(title: str, author: str, date: str, site: str) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": f"{date}T07:30:00Z",
        "author": {"@type": "Person", "name": author},
        "publisher": {"@type": "Organization", "name": site},
    }
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def page(kind: int, title: str, author: str, date: str, paragraphs: list[str], site: str) -> str:
    """One page in the furniture of site kind ``kind`` (0–4)."""
    t, a = html.escape(title), html.escape(author)
    ps = [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    head = f"<head><meta charset='utf-8'><title>{t} | {site}</title><meta property='og:site_name' content='{site}'>"
    if kind == 0:  # nav and cookie divs, ads and related links inside the article, comment bar
        body = (
            f'<div class="nav">Home World Politics Business Sport Subscribe now for full access</div>'
            f'<div class="cookie">Cookie settings: we use cookies to improve your experience. Accept all</div>'
            f'<article><h1>{t}</h1><div class="byline">By <a href="/a">{a}</a>, <time datetime="{date}">{date}</time></div>'
            f'{ps[0]}<div class="ad">Advertisement: Win a cruise today! Click here.</div>{"".join(ps[1:])}'
            f'<div class="related">Read more: <a href="/x">Storm warning for the weekend</a> <a href="/y">Markets fall again</a></div>'
            f'</article><div class="comments">12 Comments. Post a comment. Log in to reply.</div>'
            f'<div class="footer">© 2025 {site}. All rights reserved. Privacy Terms Contact</div>'
        )
        return f"<!doctype html><html>{head}{_jsonld(title, author, date, site)}</head><body>{body}</body></html>"
    if kind == 1:  # div soup, share buttons, newsletter box, date only in JSON-LD
        body = (
            f'<div id="top"><div class="menu"><a href="/">Front page</a> <a href="/n">News</a> <a href="/o">Opinion</a></div></div>'
            f'<div class="content"><div class="headline"><h1>{t}</h1></div><div class="author">{a}</div>'
            f'<div class="share">Share this: Facebook Twitter Email WhatsApp</div>'
            f'<div class="text">{"".join(ps)}</div>'
            f'<div class="newsletter">Sign up for our newsletter and get the top stories every morning. Subscribe</div></div>'
            f'<div class="sidebar"><h3>Most popular</h3><ul><li><a href="/1">Ten ways to save on energy bills this winter</a></li>'
            f'<li><a href="/2">Celebrity chef opens a new restaurant downtown</a></li></ul></div>'
        )
        return f"<!doctype html><html>{head}{_jsonld(title, author, date, site)}</head><body>{body}</body></html>"
    if kind == 2:  # <main> and <aside>, "Read more" lines between paragraphs, <time>, meta author
        body = (
            f'<header><a href="/">{site}</a> Sections Search Log in</header><main><h1>{t}</h1>'
            f'<p class="meta">By {a} · <time datetime="{date}T09:00">{date}</time></p>{ps[0]}'
            f'<p class="inline-link"><a href="/r">Read more: Parliament votes on the budget next week</a></p>'
            f"{''.join(ps[1:])}</main><aside><h2>Trending</h2><p>Photos: the best of the summer festivals</p></aside>"
            f"<footer>About us · Advertise · Careers</footer>"
        )
        return (
            f'<!doctype html><html>{head}<meta name="author" content="{a}">'
            f'<meta property="article:published_time" content="{date}T09:00:00+00:00"></head><body>{body}</body></html>'
        )
    if kind == 3:  # a blog: "Also Read" paragraphs, real comments below the post
        body = (
            f'<div class="blog-header">{site} — news and views</div><div class="post"><h2 class="post-title">{t}</h2>'
            f'<div class="post-meta">Posted by {a} on {date}</div><div class="post-body">{ps[0]}'
            f'<p>Also Read: <a href="/z">Why the city needs more parks</a></p>{"".join(ps[1:])}</div></div>'
            f'<div id="comments"><h4>3 Comments</h4><div class="comment"><p>Great article, thanks for sharing this news with us all.</p></div>'
            f'<div class="comment"><p>I do not agree with the mayor at all, this was a waste of money.</p></div></div>'
            f'<div class="blog-footer">Powered by Blogger</div>'
        )
        return f"<!doctype html><html>{head}</head><body>{body}</body></html>"
    # kind 4: an old table layout with a print/email bar
    body = (
        f'<table width="100%"><tr><td class="logo">{site}</td><td>Home | Local | National | Weather</td></tr>'
        f'<tr><td class="left">Weather: 14°C cloudy</td><td class="story"><h1>{t}</h1>'
        f'<span class="date">{date}</span> <span class="by">by {a}</span>'
        f'<div class="tools">Print | Email | Font size</div>{"".join(ps)}</td></tr>'
        f'<tr><td colspan="2">Copyright 2025 {site} Media Group</td></tr></table>'
    )
    return f"<!doctype html><html>{head}<meta name='date' content='{date}'></head><body>{body}</body></html>"


def main() -> None:
    """Write the pages, their main texts, the syndicated copies and an index."""
    index = []
    for i, (slug, title, author, date, paragraphs) in enumerate(ARTICLES):
        kind, site = i % 5, SITES[i % 5]
        (HERE / f"{slug}.html").write_text(page(kind, title, author, date, paragraphs, site), "utf-8")
        (HERE / f"{slug}.main.txt").write_text("\n".join(paragraphs) + "\n", "utf-8")
        index.append({"page": f"{slug}.html", "site": site, "title": title, "author": author, "date": date})
    # One wire story on three more sites, as syndication goes: one copy whole, one cut short, one
    # with a line of its own added; each in its site's furniture, a day later at most.
    slug, title, author, date, paragraphs = ARTICLES[0]
    added = "The bridge was first opened in 1961 and carried trams until 1987, the city archive says."
    copies = ((1, "2025-09-03", paragraphs), (2, "2025-09-04", paragraphs[:2]), (3, "2025-09-04", [*paragraphs, added]))
    for n, (kind, day, text) in enumerate(copies):
        (HERE / f"wire-copy-{n + 1}.html").write_text(page(kind, title, author, day, text, SITES[kind]), "utf-8")
    (HERE / "index.json").write_text(json.dumps(index, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
