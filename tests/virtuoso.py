"""A throwaway Virtuoso Open Source 7 (Debian's ``virtuoso-opensource-7-bin``) for the
tests: ``virtuoso-t`` in a temporary folder, from a small ``virtuoso.ini``, on 127.0.0.1
and free ports; its SPARQL endpoint at ``/sparql`` (the anonymous user may update) and
``/sparql-auth`` (HTTP Digest, user :data:`USER`).

Not collected by pytest (no ``test_`` prefix).  Without ``virtuoso-t`` on the PATH the
tests that need it fail, unless ``CCARE_SKIP_VIRTUOSO=1`` (``.ci/run`` installs it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from servers import free_port, started, wait_until_answers

#: The user (and password) of /sparql-auth, created in each throwaway database.
USER, PASSWORD = "strategist", "s3cret-virtuoso"

_INI = """[Database]
DatabaseFile = ./db.db
ErrorLogFile = ./db.log
LockFile = ./db.lck
TransactionFile = ./db.trx
xa_persistent_file = ./db.pxa
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = ./temp.db
TransactionFile = ./temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
ServerThreads = 4
CheckpointInterval = 0
NumberOfBuffers = 4000
MaxDirtyBuffers = 3000
DirsAllowed = .
VADInstallDir = .

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = .
ServerThreads = 4
MaxClientConnections = 4
MaxKeepAlives = 4

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""

_SETUP = f"""GRANT SPARQL_UPDATE TO "SPARQL";
DB.DBA.USER_CREATE('{USER}', '{PASSWORD}');
GRANT SPARQL_SELECT TO "{USER}";
GRANT SPARQL_UPDATE TO "{USER}";
"""


def executables() -> tuple[str, str] | None:
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    return (server, isql) if server and isql else None


def require() -> tuple[str, str]:
    found = executables()
    if found is None:
        if os.environ.get("CCARE_SKIP_VIRTUOSO") == "1":
            pytest.skip("CCARE_SKIP_VIRTUOSO=1 and no virtuoso-t")
        pytest.fail("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource-7-bin; "
                    "or set CCARE_SKIP_VIRTUOSO=1)")
    return found


@contextlib.contextmanager
def virtuoso_server(folder: Path, max_rows: int = 100_000):
    """A running throwaway Virtuoso in ``folder``; yields its base URL; always stopped."""
    server, isql = require()
    sql, http = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(_INI.format(sql=sql, http=http, max_rows=max_rows), encoding="utf-8")
    base = f"http://127.0.0.1:{http}"
    env = {**os.environ, "HOME": str(folder)}

    def log() -> str:
        return (folder / "db.log").read_text(errors="replace")[-2000:] if (folder / "db.log").exists() else ""

    with started([server, "+foreground", "+configfile", "virtuoso.ini"], stop_within=15, cwd=folder, env=env,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as proc:
        wait_until_answers(f"{base}/sparql?query=ASK%7B%7D", proc, name="virtuoso-t", within=60, log=log)
        done = subprocess.run([isql, f"127.0.0.1:{sql}", "dba", "dba"], input=_SETUP, text=True, cwd=folder,
                              env=env, capture_output=True, timeout=60)
        if done.returncode != 0 or "Error" in done.stdout + done.stderr:
            pytest.fail(f"isql could not set Virtuoso up: {done.stdout[-1000:]} {done.stderr[-1000:]}")
        yield base
