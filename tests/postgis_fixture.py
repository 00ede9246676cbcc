"""A real PostgreSQL + PostGIS server for the tests, started from Debian's binaries.

``postgis_server()`` runs ``initdb`` and ``pg_ctl`` from
``/usr/lib/postgresql/<version>/bin`` (Debian's ``postgresql`` package; the
extension from ``postgresql-<version>-postgis-3``) into a fresh temporary
folder, listens on a free port of 127.0.0.1 (and a socket in that folder),
requires a password (scram-sha-256, so a wrong one is refused) and creates
the ``postgis`` extension.  initdb refuses to run as root, so as root the
server runs as ``nobody`` in a folder ``nobody`` owns — made with
:func:`tempfile.mkdtemp` in /tmp, not under pytest's basetemp, whose
``pytest-of-root`` folder (mode 0700) ``nobody`` cannot enter.  Whatever is
missing (binaries, extension, the Python extra) skips with the reason.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = "wz_admin"
PASSWORD = "s3cr&t pass/word"  # characters a URL must encode
DATABASE = "wz_test"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str
    database: str

    def url(self, *, password: str | None = None, schema: str | None = None) -> str:
        from urllib.parse import quote

        pw = quote(self.password if password is None else password, safe="")
        tail = f"?schema={schema}" if schema else ""
        return f"postgresql://{self.user}:{pw}@{self.host}:{self.port}/{self.database}{tail}"


def _binaries() -> Path | None:
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if all(os.access(Path(folder) / b, os.X_OK) for b in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgis_server() -> Iterator[Server]:
    """Start a throw-away server; stop it and remove its folder afterwards."""
    pytest.importorskip("sqlalchemy", reason='PostGIS needs pip install "whitezone[postgis]"')
    pytest.importorskip("geoalchemy2", reason='PostGIS needs pip install "whitezone[postgis]"')
    pytest.importorskip("psycopg", reason='PostGIS needs pip install "whitezone[postgis]"')
    bin_dir = _binaries()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin "
                    "(apt-get install postgresql postgis)")  # fmt: skip
    version = bin_dir.parent.name
    if not glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"):
        pytest.skip(f"the postgis extension is not installed for PostgreSQL {version} "
                    f"(apt-get install postgresql-{version}-postgis-3)")  # fmt: skip
    as_root = os.geteuid() == 0
    runner = ["runuser", "-u", "nobody", "--"] if as_root else []
    if as_root and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
    root = Path(tempfile.mkdtemp(prefix="whitezone-pg-"))
    data = root / "data"
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
    if as_root:
        os.chmod(root, 0o755)
        shutil.chown(root, "nobody")
        shutil.chown(pwfile, "nobody")
    port = _free_port()

    def call(*args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([*runner, *args], capture_output=True, text=True, timeout=120,
                              cwd=root, **kwargs)  # fmt: skip

    started = False
    try:
        done = call(str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--pwfile", str(pwfile),
                    "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C.UTF-8")  # fmt: skip
        if done.returncode != 0:
            pytest.skip(f"initdb failed: {done.stderr.strip()[-500:]}")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
        done = call(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o",
                    options, "-w", "-t", "60", "start")  # fmt: skip
        if done.returncode != 0:
            log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
            pytest.skip(f"pg_ctl start failed: {done.stderr.strip()[-300:]} {log[-500:]}")
        started = True
        import sqlalchemy as sa

        admin = Server("127.0.0.1", port, USER, PASSWORD, "postgres")
        engine = sa.create_engine(admin.url().replace("postgresql://", "postgresql+psycopg://"),
                                  isolation_level="AUTOCOMMIT")  # fmt: skip
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
        engine.dispose()
        server = Server("127.0.0.1", port, USER, PASSWORD, DATABASE)
        engine = sa.create_engine(server.url().replace("postgresql://", "postgresql+psycopg://"))
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("CREATE EXTENSION postgis")
        except Exception as exc:  # a broken postgis install
            pytest.skip(f"CREATE EXTENSION postgis failed: {exc}")
        finally:
            engine.dispose()
        yield server
    finally:
        if started:
            call(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
