"""A throwaway PostgreSQL cluster on 127.0.0.1 for the tests: Debian's binaries, ``initdb`` in a
temp dir, ``pg_ctl start`` on a random port; stopped and started again by a test, removed after."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from servers import free_port


def pg_bin(name: str) -> str | None:
    """A PostgreSQL program: on PATH, else in Debian's versioned folder (the newest)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return candidates[-1] if candidates else None


@dataclass
class PgCluster:
    """One running cluster; ``url`` is a SQLAlchemy URL of its ``postgres`` database."""

    data: Path
    port: int
    as_user: list[str]  # runuser prefix when the tests run as root (initdb refuses root)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://rag@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        pg_ctl = pg_bin("pg_ctl")
        assert pg_ctl
        subprocess.run([*self.as_user, pg_ctl, "-D", str(self.data), *args], check=True, capture_output=True)

    def start(self) -> None:
        """Start (again); waits until it accepts connections."""
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-l", str(self.data / "server.log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        """Stop at once (connections are cut, as when the database host goes away)."""
        self._ctl("-m", "immediate", "-w", "stop")


def start_cluster() -> PgCluster:
    """A new cluster, started; skipped loudly where PostgreSQL is not installed (a failure in CI)."""
    initdb = pg_bin("initdb")
    if initdb is None or pg_bin("pg_ctl") is None:
        message = "SKIPPED LOUDLY: PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("RAG_REQUIRE_POSTGRES"):  # .ci/run installs it: there a missing one is a failure
            raise RuntimeError(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="rag-pg-"))  # not under pytest's root-only folder: postgres reads it
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = root / "data"
    subprocess.run(
        [*as_user, initdb, "-D", str(data), "-U", "rag", "--auth=trust", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
    )
    cluster = PgCluster(data, free_port(), as_user)
    cluster.start()
    return cluster


def remove_cluster(cluster: PgCluster) -> None:
    """Stop it if it runs, and delete its files."""
    with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
        cluster.stop()
    shutil.rmtree(cluster.data.parent, ignore_errors=True)
