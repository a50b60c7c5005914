"""The README's and docs' examples run against the seeds, and print what the pages say they print.

- ``console`` blocks: each ``$ rag …`` line is run; its output must equal the lines below it.
- ``python`` blocks: run as a script; the ``# `` comment lines after the code are its expected output.
- ``bash`` blocks: each ``.venv/bin/rag …`` or ``curl …`` line is run and must succeed and print
  something (those pages show no output); lines that need an outside server or ``make`` are not run.

The server examples (``127.0.0.1:7860``, ``localhost:7860``) are pointed at the test's server.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import ROOT, SEEDS

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
_RUNNABLE = re.compile(r"^(?:(?:RAG_\w+=\S+ )*\.venv/bin/(?:rag|python -m rag)|curl) ")


@dataclass(frozen=True)
class Example:
    page: str
    kind: str  # console | python | bash
    code: str
    expected: str | None

    def __str__(self) -> str:
        return f"{self.page}:{self.kind}:{self.code.splitlines()[0][:50]}"


def _examples() -> list[Example]:
    found = []
    for page in PAGES:
        for kind, body in _FENCE.findall(page.read_text("utf-8")):
            name = page.relative_to(ROOT).as_posix()
            if kind == "console":
                for command in re.split(r"^\$ ", body, flags=re.M)[1:]:
                    line, _, output = command.partition("\n")
                    found.append(Example(name, kind, line, output.rstrip("\n")))
            elif kind == "python":
                code = "\n".join(line for line in body.splitlines() if not line.startswith("# "))
                expected = "\n".join(line[2:] for line in body.splitlines() if line.startswith("# "))
                found.append(Example(name, kind, code, expected or None))
            elif kind == "bash":
                for line in body.splitlines():
                    command = line.split("  #")[0].strip()
                    if _RUNNABLE.match(command) and "RAG_LLM_BASE_URL" not in command:
                        found.append(Example(name, kind, command, None))
    return found


EXAMPLES = _examples()


def test_the_pages_have_examples_of_each_kind() -> None:
    kinds = {(e.page, e.kind) for e in EXAMPLES}
    assert {("README.md", "console"), ("README.md", "python"), ("docs/api.md", "bash")} <= kinds


@pytest.fixture(scope="module")
def docs_env(seed_index, server, tmp_path_factory) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The environment of a reader who ran ``make run``: the seed index, a server on 127.0.0.1
    (what the examples write goes to a temporary folder, never into the checkout)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    scratch = tmp_path_factory.mktemp("docs")
    return env | {
        "RAG_DATA_DIR": str(scratch / "data"),
        "DOCS_SCRATCH": str(scratch),
        "RAG_INDEX_DIR": str(seed_index.index_dir),
        "RAG_CORPUS_DIR": str(SEEDS),
        "DOCS_SERVER": server.url,
        "RAG_SERVER_URL": server.url,  # `rag ask` goes through the running server, as after `make run`
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    }


def _local(code: str, env: dict[str, str]) -> str:
    """The example with the documented server address replaced by the test server's."""
    code = code.replace("--out evals/", f"--out {env['DOCS_SCRATCH']}/")
    return re.sub(r"(?:http://)?(?:127\.0\.0\.1|localhost):7860", env["DOCS_SERVER"], code)


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_example_runs_and_prints_what_the_page_says(example: Example, docs_env: dict[str, str]) -> None:
    code = _local(example.code, docs_env)
    if example.kind == "python":
        args = [sys.executable, "-c", code]
    else:
        if code.startswith("curl") and shutil.which("curl") is None:
            pytest.skip("curl is not installed")
        words = shlex.split(code)
        settings = [w for w in words if re.match(r"^RAG_\w+=", w)]
        words = words[len(settings) :]
        if words[0] in ("rag", ".venv/bin/rag"):
            words = [sys.executable, "-m", "rag", *words[1:]]
        elif words[0] == ".venv/bin/python":
            words[0] = sys.executable
        docs_env = docs_env | dict(s.split("=", 1) for s in settings)
        args = words
    done = subprocess.run(args, capture_output=True, text=True, env=docs_env, cwd=ROOT, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    if example.expected is not None:
        got = "\n".join(line.rstrip() for line in done.stdout.rstrip("\n").splitlines())
        assert got == example.expected
    else:
        assert done.stdout.strip()
