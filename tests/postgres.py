"""A throw-away PostgreSQL server for the tests: a new cluster in a temporary directory, on a
free local port, stopped and removed when the tests end.

Uses Debian's server binaries (package postgresql, which tools/install-test-deps installs). As
root the server runs as the 'postgres' user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .helpers import free_port

INSTALL = "sh tools/install-test-deps (or: apt-get install -y postgresql)"


class PostgresMissing(RuntimeError):
    pass


def server_binaries() -> Path:
    """The newest installed server's bin/ folder (with initdb and pg_ctl)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise PostgresMissing(f"the PostgreSQL tests need its server binaries: {INSTALL}")
    return found[-1].parent


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a fresh cluster; yield its URL (user postgres, database postgres, no password)."""
    bindir = server_binaries()
    root = Path(tempfile.mkdtemp(prefix="convlens-pg-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, log, port = root / "data", root / "server.log", free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"

    def run(*command: str) -> None:
        done = subprocess.run([*as_owner, *command], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            server_log = log.read_text() if log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr}\n{server_log}")

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", options, "start")
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
