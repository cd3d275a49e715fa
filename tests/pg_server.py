"""A private PostgreSQL server for the sync tests (issue 21): initdb + pg_ctl in a temp folder.

The sync tests need a real server (the change log's ordering, transactional DDL, roles), not a
mock, and they must not touch a server the machine already runs. So each test module that asks
for ``pg_server`` gets its own cluster: initdb into a fresh folder, listening on a free port on
127.0.0.1 only, with its unix socket inside that folder, stopped with ``pg_ctl stop -m immediate``
when the module ends (also when a test failed) and the folder removed.

CI runs as root and initdb refuses root, so there the binaries run as the ``postgres`` user
(``runuser -u postgres --``) on a folder chowned to it; the folder is made with ``mkdtemp`` under
the system temp dir because pytest's own temp root is 0700 root-only. Only the absence of
PostgreSQL's binaries skips (with the reason shown by ``-ra``); any other failure to start fails.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SUPERUSER = "bibliofile"
# Durability against a machine crash is not under test here; without fsync a cluster starts and
# writes several times faster. synchronous_commit stays on: the tests stop the server with
# ``-m immediate`` mid-sync and expect what was committed before to be there after the restart
# (with it off, the last commits' WAL could still be in the server's memory and be lost: seen
# once in CI as an empty change log after the restart).
FAST_SETTINGS = "-c fsync=off -c full_page_writes=off -c max_connections=40"
SEARCH_GLOBS = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/opt/homebrew/opt/postgresql*/bin")


def find_bin_dir() -> Path | None:
    """The newest PostgreSQL (14 or newer) bin folder holding initdb and pg_ctl, or None.

    ``BIBLIOFILE_PG_BIN`` names one explicitly (a source build, a non-Debian layout)."""
    explicit = os.environ.get("BIBLIOFILE_PG_BIN")
    candidates = [Path(explicit)] if explicit else []
    for pattern in SEARCH_GLOBS:
        root = Path("/")
        candidates.extend(sorted(root.glob(pattern.lstrip("/")), key=_major, reverse=True))
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        tools = (folder / "initdb").is_file() and (folder / "pg_ctl").is_file()
        if tools and (explicit or _major(folder) in (0, *range(14, 100))):
            return folder
    return None


def _major(folder: Path) -> int:
    """15 for /usr/lib/postgresql/15/bin; 0 when the path does not say."""
    for part in folder.parts:
        if part.isdigit():
            return int(part)
    return 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """One running private cluster. ``url(db)`` gives a SQLAlchemy URL for psycopg 3."""

    bin_dir: Path
    root: Path
    port: int = 0
    as_postgres: bool = field(default_factory=lambda: os.geteuid() == 0)
    running: bool = False
    watchdog: subprocess.Popen[bytes] | None = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres", user: str = SUPERUSER, password: str | None = None) -> str:
        auth = f"{user}:{password}" if password is not None else user
        return f"postgresql+psycopg://{auth}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, check=check, cwd=self.root, timeout=120
        )

    def init(self) -> None:
        self.socket_dir.mkdir()
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
            "--locale=C", "--no-sync", "--no-instructions",
        )

    def start(self) -> None:
        """Start on a free port; a port taken between choosing and binding is tried again."""
        last = ""
        for _attempt in range(3):
            self.port = free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} "
                f"-c unix_socket_directories={self.socket_dir} {FAST_SETTINGS}"
            )
            done = self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                "-w", "-t", "60", "start", check=False,
            )
            if done.returncode == 0:
                self.running = True
                return
            last = done.stdout + done.stderr + self.log_tail()
        raise RuntimeError(f"the private PostgreSQL server did not start:\n{last}")

    def stop(self) -> None:
        """Stop at once (the data is thrown away); safe to call twice."""
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
            self.running = False

    def watch(self) -> None:
        """A shell that stops the server and removes its folder once this test process is gone,
        however it ended (a SIGKILL or a CI timeout skips fixtures and atexit alike)."""
        stop = [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
        if self.as_postgres:
            stop = ["runuser", "-u", "postgres", "--", *stop]
        script = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; shift; root="$1"; shift; "$@"; rm -rf "$root"'
        self.watchdog = subprocess.Popen(
            ["sh", "-c", script, "sh", str(os.getpid()), str(self.root), *stop],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def restart(self) -> None:
        """Start again on the same port (a test that stopped the server in the middle of a sync)."""
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} "
            f"-c unix_socket_directories={self.socket_dir} {FAST_SETTINGS}"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
        self.running = True

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def create_database(self, name: str) -> str:
        """A new empty database; returns its SQLAlchemy URL. The name is checked, not quoted
        by hand, so a test cannot build SQL from arbitrary text."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        if self.watchdog is not None and self.watchdog.poll() is None:
            self.watchdog.terminate()
            self.watchdog.wait()


def start_server() -> PgServer:
    """initdb + start; raises pytest.skip only when no PostgreSQL binaries exist."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip(
            "no PostgreSQL server binaries (initdb, pg_ctl) found: install Debian's `postgresql` "
            "package (as .ci/run does) or set BIBLIOFILE_PG_BIN to run the sync tests"
        )
    server = PgServer(bin_dir=bin_dir, root=Path(tempfile.mkdtemp(prefix="bibliofile-pg-")))
    # A run killed between start and teardown still stops its server when Python exits.
    atexit.register(server.remove)
    try:
        server.init()
        server.start()
        server.watch()
    except BaseException:
        server.remove()
        raise
    return server


@contextlib.contextmanager
def running_server() -> Iterator[PgServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PgServer]:
    """One private PostgreSQL per test module (a start costs about two seconds)."""
    with running_server() as server:
        yield server
