"""What the benchmarks share: the questions, percentiles, RSS, a server on 127.0.0.1, and
saving results with a comparison against the last saved run (a >20% slowdown is flagged)."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SLOWDOWN = 0.20  # flagged when a timing grows, or a rate drops, by more than this

QUESTIONS = [
    "What did Witkoff say?",
    "How many people were injured in the drone attack on Kyiv?",
    "Where did Trump and Putin meet in August?",
    "Why did Trump cancel the missile package?",
    "What did the G7 say?",
    "What did Macron say about Ukraine?",
    "Which village did Russia capture?",
    "What do American intelligence assessments report?",
]


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of ``values`` (NaN for no values)."""
    from evals.metrics import percentile as quantile

    found = quantile(values, q)
    return float("nan") if found is None else found


def alternate(
    assistants: dict[str, Any], questions: list[tuple[str, list[Any]]], rounds: int
) -> dict[str, list[float]]:
    """Warm ask times (ms) of each assistant over ``questions`` (each with its history), asked in
    turn so that drift on the machine hits all alike (after one warm-up round); printed as
    p50/p95/mean each."""
    import statistics

    for q, history in questions:
        for assistant in assistants.values():
            assistant.ask(q, history=history)
    times: dict[str, list[float]] = {name: [] for name in assistants}
    for _ in range(rounds):
        for q, history in questions:
            for name, assistant in assistants.items():
                started = time.perf_counter()
                assistant.ask(q, history=history)
                times[name].append((time.perf_counter() - started) * 1000)
    for name, values in times.items():
        print(
            f"{name:16} p50 {percentile(values, 0.5):6.1f} ms  p95 {percentile(values, 0.95):6.1f} ms  "
            f"mean {statistics.mean(values):6.1f} ms  ({len(values)} asks)"
        )
    return times


def shipped_against_reference(
    description: str, names: tuple[str, str], make_reference: Callable[[Any, Any], Any], follow_ups: bool = False
) -> None:
    """The warm-ask comparison of a bench: ``--index`` and ``--rounds`` from the command line, the
    Assistant as shipped and ``make_reference(settings, shipped)`` answering the golden suite's
    questions in turn (:func:`alternate`), then the ratio of their p50s. ``names``: shipped, reference;
    ``follow_ups``: the questions asked with a history instead of those without."""
    import argparse

    from evals.runner import load_suite
    from rag import Assistant, Settings

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--index", type=Path, default=None, help="index dir (default: RAG_INDEX_DIR or .index)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = Settings(answerer="extractive", **({"index_dir": args.index} if args.index else {}))
    shipped = Assistant(settings)
    reference = make_reference(settings, shipped)
    cases = [c for c in load_suite(ROOT / "evals" / "golden.jsonl") if bool(c.history) == follow_ups]
    questions = [(c.question, list(c.history)) for c in cases]
    times = alternate(dict(zip(names, (shipped, reference))), questions, args.rounds)
    ratio = percentile(times[names[0]], 0.5) / percentile(times[names[1]], 0.5)
    print(f"warm ask p50 ratio, {names[0]} / {names[1]}: {ratio:.2f}")


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def offline_env(**extra: str) -> dict[str, str]:
    """This environment without the developer's RAG_* settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    return {**env, "HF_HUB_OFFLINE": "1", **extra}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_process(
    args: list[str], env: dict[str, str], ready_url: str, timeout: float = 120, log: Path | None = None
) -> tuple[subprocess.Popen[bytes], float]:
    """Start ``args``; return the process and the seconds until ``ready_url`` answered 200.
    Its output goes to ``log`` (or nowhere)."""
    started = time.perf_counter()
    out = log.open("wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=out)
    while time.perf_counter() - started < timeout:
        try:
            if httpx.get(ready_url, timeout=1).status_code == 200:
                return proc, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"{args[:3]} did not become ready")


def start_server(
    env: dict[str, str], timeout: float = 120, log: Path | None = None
) -> tuple[subprocess.Popen[bytes], str, float]:
    """`rag serve` on a free loopback port; returns the process, its URL and seconds until /readyz said 200."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "rag", "serve", "--port", str(port)]
    proc, seconds = start_process(args, env, f"{url}/readyz", timeout, log)
    return proc, url, seconds


def _worse(key: str, before: float, now: float) -> bool:
    if key.endswith(("_per_s", "_ratio")):
        return now < before * (1 - SLOWDOWN)
    if key.endswith(("_ms", "_s")):
        return now > before * (1 + SLOWDOWN)
    return False


def save_results(name: str, result: dict[str, Any]) -> list[str]:
    """Write ``bench/results/<name>.json`` and return the regressions against the file it replaces."""
    path = RESULTS / f"{name}.json"
    previous = json.loads(path.read_text("utf-8")) if path.exists() else {}
    flagged = [
        f"{key}: {previous[key]} → {value}"
        for key, value in result.items()
        if isinstance(value, int | float)
        and isinstance(previous.get(key), int | float)
        and previous[key] > 0
        and _worse(key, float(previous[key]), float(value))
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {"machine": platform.machine(), "cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M")}
    path.write_text(json.dumps({**result, **meta}, indent=2) + "\n", "utf-8")
    for line in flagged:
        print(f"REGRESSION (>{SLOWDOWN:.0%} worse than the last saved run): {line}")
    print(f"written to {path.relative_to(ROOT)}")
    return flagged


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A Markdown table of ``rows``."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [row.get(c, "") for c in columns]
        lines.append("| " + " | ".join(f"{c:.2f}" if isinstance(c, float) else str(c) for c in cells) + " |")
    return "\n".join(lines)
