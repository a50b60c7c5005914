"""Turn writes per second: the conversation store on SQLite and on PostgreSQL, in the same run
(``python bench/conversations.py``). Starts a throwaway PostgreSQL cluster on loopback (as the
tests do; Debian's binaries), then for each backend: 200 turns by one writer, then 200 turns by
4 writers into one conversation (each turn a transaction that locks the conversation first).
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

TURNS = 200


def rate(store: object, writers: int) -> float:
    """Turns per second added to one conversation by ``writers`` threads."""
    from rag.contract import Answer

    answer = Answer(question="q", answer="An answer with a citation [1].", abstained=False, mode="extractive")
    cid = store.create("bench").id  # type: ignore[attr-defined]
    per = TURNS // writers

    def write() -> None:
        for _ in range(per):
            store.add_turn("bench", cid, "q", answer)  # type: ignore[attr-defined]

    threads = [threading.Thread(target=write) for _ in range(writers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return per * writers / (time.perf_counter() - started)


def main() -> None:
    """Print turns per second for each backend and the ratio PostgreSQL / SQLite."""
    from postgres import remove_cluster, start_cluster

    from rag.conversations import ConversationStore

    cluster = start_cluster()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = ConversationStore(Path(tmp) / "c.sqlite3")
            stores = {"sqlite": sqlite, "postgresql": ConversationStore(cluster.url)}
            results = {}
            for name, store in stores.items():
                store.summaries("warm")  # connect and migrate before timing
                results[name] = (rate(store, 1), rate(store, 4))
                one, four = results[name]
                print(f"{name:10}: {one:7.0f} turns/s (1 writer), {four:7.0f} turns/s (4 writers)")
    finally:
        remove_cluster(cluster)
    one, four = (results["postgresql"][i] / results["sqlite"][i] for i in (0, 1))
    print(f"postgresql / sqlite: {one:.2f}x (1 writer), {four:.2f}x (4 writers)")


if __name__ == "__main__":
    main()
