"""Synthetic news corpora for the scale benchmarks, made from the seed articles' sentences.

Each article is a headline and ~70 seed sentences, shuffled and recombined, with the seed
names swapped for made-up ones and every number changed, so chunks are unique (no two
embed the same) but read like the seeds. Deterministic: the same ``seed`` and ``count``
always write the same files. Never downloaded.

    python bench/synth.py OUT_DIR --articles 1000
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# Names in the seeds, each replaced by a made-up one per article.
_SEED_NAMES = ["Trump", "Putin", "Zelensky", "Zelenskyy", "Witkoff", "Ushakov", "Peskov", "Kyiv", "Moscow", "Ukraine"]
_FIRST = ["Arlo", "Bexa", "Corin", "Dara", "Elvo", "Fenna", "Goran", "Hessa", "Ivo", "Jorun", "Kesta", "Lumo"]
_LAST = ["Varga", "Okonde", "Laskari", "Brunhold", "Tesmir", "Quillon", "Marovic", "Esterby", "Nadal", "Poveda"]
_PLACES = ["Valdoria", "Ostrheim", "Karsk", "Meridia", "Lunetta", "Brask", "Tovar", "Elmsgate", "Ruvon", "Seyla"]
_NUMBER = re.compile(r"\d+")


def seed_sentences() -> list[str]:
    """Every sentence of the seed articles (simple split: enough for recombination)."""
    text = " ".join(p.read_text("utf-8") for p in sorted(SEEDS.iterdir()) if p.suffix in {".txt", ".md"})
    parts = re.split(r"(?<=[.!?”])\s+(?=[A-Z“])", " ".join(text.split()))
    return [p for p in parts if 40 <= len(p) <= 400]


def article(rng: random.Random, pool: list[str], number: int, sentences: int = 70) -> str:
    """One synthetic article: a headline, then paragraphs of recombined seed sentences."""
    people = rng.sample([f"{first} {last}" for first in _FIRST for last in _LAST], 6)
    names = dict(zip(_SEED_NAMES[:6], people)) | dict(zip(_SEED_NAMES[6:], rng.sample(_PLACES, 4)))
    names["Zelenskyy"] = names["Zelensky"]
    body = []
    for sentence in rng.sample(pool, min(sentences, len(pool))):
        for old, new in names.items():
            sentence = sentence.replace(old, new)
        body.append(_NUMBER.sub(lambda m: str(rng.randint(1, 99 if len(m.group()) < 3 else 2030)), sentence))
    paragraphs = [" ".join(body[i : i + 5]) for i in range(0, len(body), 5)]
    headline = f"{names['Trump']} and {names['Putin']} talk again as {names['Kyiv']} waits (report {number})"
    return headline + "\n\n" + "\n\n".join(paragraphs) + "\n"


def write_corpus(out: Path, count: int, seed: int = 7, sentences: int = 70) -> list[Path]:
    """Write ``count`` articles of ``sentences`` sentences into ``out`` (created); returns their paths."""
    rng = random.Random(seed)
    pool = seed_sentences()
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = out / f"synthetic_{i:05d}.txt"
        path.write_text(article(rng, pool, i, sentences), "utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    paths = write_corpus(args.out, args.articles, args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} articles, {size / 1e6:.1f} MB in {args.out}")


if __name__ == "__main__":
    main()
