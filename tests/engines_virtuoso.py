"""A real Virtuoso (Debian ``virtuoso-opensource``) for the store tests: started on loopback, in a
temporary folder, with its own ini file and ports; stopped and removed afterwards.

Never the system service: ``virtuoso-t -f`` runs in the foreground as a child of the test session,
with every file (database, transaction log, error log) in its own folder. It listens on 127.0.0.1
only (SQL port and HTTP port), answers SPARQL at ``/sparql`` (read-only, anonymous), updates at
``/sparql-auth`` (HTTP digest, a user holding ``SPARQL_UPDATE``) and the Graph Store Protocol at
``/sparql-graph-crud-auth`` (same user). Start-up takes about 2-3 s on a fresh database.

Used by ``tests/stores/conftest.py`` (its ``virtuoso`` session fixture calls :func:`virtuoso_session`)
and by the benchmark. If ``virtuoso-t`` is missing the fixture **fails** (it never skips): ``make
test`` installs the package (Makefile ``SYSTEM_DEPS``), so a missing engine is a broken machine.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

VIRTUOSO = "virtuoso-t"
#: Debian names the interactive SQL client ``isql-vt`` (``isql`` is unixODBC's).
ISQL = "isql-vt"
#: The emskg user: reads and writes through /sparql-auth and /sparql-graph-crud-auth.
USER = "emskg"
START_TIMEOUT = 60.0

# Sized for tests on 2 shared cores: ~160 MB of buffers (8 KB pages), two threads per query.
# [SPARQL] ResultSetMaxRows = 0 lifts the Debian default of 10,000 rows, which truncates answers
# silently; MaxQueryExecutionTime = 0 leaves "anytime" queries (partial answers after a timeout) off
# unless a request asks for them — docs/stores.md "Virtuoso".
_INI = """\
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 16
CheckpointInterval       = 0
O_DIRECT                 = 0
CaseMode                 = 2
AllowOSCalls             = 0
DirsAllowed              = ., {d}, {d}/load
ThreadCleanupInterval    = 0
ThreadThreshold          = 10
ResourcesCleanupInterval = 0
SchedulerInterval        = 10
NumberOfBuffers          = 20000
MaxDirtyBuffers          = 15000
MaxQueryMem              = 512M
ThreadsPerQuery          = 2
AsyncQueueMaxThreads     = 4
VADInstallDir            = {d}/vad

[HTTPServer]
ServerPort                  = 127.0.0.1:{http_port}
ServerRoot                  = {d}/www
MaxClientConnections        = 16
ServerThreads               = 16
MaxKeepAlives               = 16
KeepAliveTimeout            = 10
EnabledDavVSP               = 0
HTTPProxyEnabled            = 0
HttpPrintWarningsInOutput   = 0
Charset                     = UTF-8
EnabledGzipContent          = 0
MaintenancePage             = atomic.html

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[SPARQL]
{sparql}
"""
#: The [SPARQL] section; :class:`VirtuosoServer` ``sparql_settings`` overrides single keys (quirk tests
#: start a second engine configured as a production server often is).
SPARQL_SETTINGS = {"ResultSetMaxRows": "0", "MaxQueryCostEstimationTime": "0", "MaxQueryExecutionTime": "0",
                   "MaxSortedTopRows": "100000"}


def free_port() -> int:
    """A TCP port nobody listens on right now (loopback)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_virtuoso() -> str:
    """The path of ``virtuoso-t``; raises RuntimeError (a loud test failure) when it is not installed."""
    path = shutil.which(VIRTUOSO)
    if path is None or shutil.which(ISQL) is None:
        raise RuntimeError(f"{VIRTUOSO} / {ISQL} not found: the store tests need Debian's virtuoso-opensource "
                           "(`make system-deps` installs it, as `make test` does)")
    return path


@dataclass
class VirtuosoServer:
    """One Virtuoso process with its own folder, ports and credentials."""

    folder: Path
    sql_port: int
    http_port: int
    password: str = field(default_factory=lambda: secrets.token_hex(12))
    dba_password: str = "dba"
    user: str = USER
    sparql_settings: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    # --- endpoints -----------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def query_url(self) -> str:
        """The anonymous, read-only SPARQL endpoint."""
        return f"{self.base}/sparql"

    @property
    def update_url(self) -> str:
        """The SPARQL endpoint behind HTTP digest auth (queries and updates)."""
        return f"{self.base}/sparql-auth"

    @property
    def gsp_url(self) -> str:
        """The Graph Store Protocol endpoint behind HTTP digest auth."""
        return f"{self.base}/sparql-graph-crud-auth"

    @property
    def store_spec(self) -> str:
        """The ``--store`` value emskg takes for this engine."""
        return f"sparql:{self.query_url}"

    def env(self, *, gsp: bool = True) -> dict[str, str]:
        """The environment that points emskg at this engine (``EMSKG_STORE`` and its companions)."""
        env = {"EMSKG_STORE": self.store_spec, "EMSKG_STORE_UPDATE": self.update_url,
               "EMSKG_STORE_USER": self.user, "EMSKG_STORE_PASSWORD": self.password}
        if gsp:
            env["EMSKG_STORE_GSP"] = self.gsp_url
        return env

    def auth(self) -> httpx.DigestAuth:
        """Digest credentials for the ``-auth`` endpoints (Virtuoso challenges with Digest only)."""
        return httpx.DigestAuth(self.user, self.password)

    # --- life cycle ----------------------------------------------------------------------------------
    def write_ini(self) -> Path:
        """Write this engine's ini file into its folder (and the folders it names)."""
        for sub in ("www", "vad", "load"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        ini = self.folder / "virtuoso.ini"
        sparql = "\n".join(f"{k} = {v}" for k, v in {**SPARQL_SETTINGS, **self.sparql_settings}.items())
        ini.write_text(_INI.format(d=self.folder, sql_port=self.sql_port, http_port=self.http_port, sparql=sparql))
        return ini

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start ``virtuoso-t -f`` (again, on the same folder and ports) and wait until /sparql answers."""
        binary = require_virtuoso()
        ini = self.write_ini()
        log = (self.folder / "stdout.log").open("ab")
        self.process = subprocess.Popen([binary, "-f", "-c", str(ini)], cwd=self.folder, stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode} at start-up:\n"
                                   + self.log_tail())
            try:
                r = httpx.get(self.query_url, params={"query": "ASK {}"}, timeout=2.0,
                              headers={"Accept": "application/sparql-results+json"})
                if r.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"virtuoso-t did not answer SPARQL within {timeout:.0f} s:\n" + self.log_tail())
            time.sleep(0.1)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the engine (SIGTERM: Virtuoso checkpoints and exits; SIGKILL if it hangs)."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    def kill(self) -> None:
        """Kill the engine abruptly (SIGKILL): the crash case; a restart rolls the transaction log forward."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        """The end of the engine's own log (start-up failures, errors)."""
        text = ""
        for name in ("virtuoso.log", "stdout.log"):
            path = self.folder / name
            if path.exists():
                text += "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text

    # --- administration (SQL over isql) --------------------------------------------------------------
    def isql(self, sql: str, timeout: float = 600.0) -> str:
        """Run SQL statements through ``isql-vt`` as dba; raises RuntimeError on any SQL error."""
        run = subprocess.run([ISQL, f"127.0.0.1:{self.sql_port}", "dba", self.dba_password,
                              "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT"],
                             input=sql + "\n", capture_output=True, text=True, timeout=timeout)
        out = run.stdout + run.stderr
        if run.returncode != 0 or "*** Error" in out:
            raise RuntimeError(f"isql failed ({run.returncode}): {out.strip()[-2000:]}")
        return out

    def setup_user(self) -> None:
        """Create the emskg user with the ``SPARQL_UPDATE`` role (digest auth on the -auth endpoints),
        and give dba a fresh password so nothing on the machine can use the well-known default."""
        new_dba = secrets.token_hex(12)
        self.isql(f"DB.DBA.USER_CREATE('{self.user}', '{self.password}');\n"
                  f"GRANT SPARQL_UPDATE TO \"{self.user}\";\n"
                  # GSP writes run as the authenticated user: it needs write access to every graph.
                  f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{self.user}', 7);\n"
                  f"SET PASSWORD \"{self.dba_password}\" \"{new_dba}\";")
        self.dba_password = new_dba

    def bulk_load(self, files: list[Path], graph: str | None = None) -> None:
        """Load N-Triples/Turtle/N-Quads files with Virtuoso's bulk loader (``ld_dir`` + ``rdf_loader_run``):
        the files are copied into the folder named in DirsAllowed. ``graph`` is the target graph for
        triple files (N-Quads carry their own)."""
        load = self.folder / "load"
        for old in load.iterdir():
            old.unlink()
        for f in files:
            shutil.copy(f, load / f.name)
        target = graph or "http://localhost/default"
        self.isql(f"DELETE FROM DB.DBA.load_list;\nld_dir('{load}', '*', '{target}');\n"
                  "rdf_loader_run();\ncheckpoint;")
        errors = self.isql("SELECT 'LOADERR', ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;")
        if "LOADERR" in errors:
            raise RuntimeError(f"bulk load failed: {errors.strip()[-2000:]}")


def start_virtuoso(folder: Path | None = None, sparql_settings: dict[str, str] | None = None) -> VirtuosoServer:
    """Start a fresh Virtuoso in ``folder`` (a new temporary folder by default) with the emskg user set
    up; ``sparql_settings`` overrides keys of the ini file's [SPARQL] section."""
    folder = folder or Path(tempfile.mkdtemp(prefix="emskg-virtuoso-"))
    server = VirtuosoServer(folder=folder, sql_port=free_port(), http_port=free_port(),
                            sparql_settings=dict(sparql_settings or {}))
    server.start()
    try:
        server.setup_user()
    except BaseException:
        server.stop()
        raise
    return server


def virtuoso_session(base: Path) -> Iterator[VirtuosoServer]:
    """The body of the ``virtuoso`` session fixture: a fresh engine in ``base``, stopped and removed
    afterwards (even when a test restarted or killed it)."""
    server = start_virtuoso(base)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover - manual use: start one for a shell session
    srv = start_virtuoso()
    print(f"{srv.store_spec}  update={srv.update_url}  gsp={srv.gsp_url}  user={srv.user} password={srv.password} "
          f"dba={srv.dba_password} folder={srv.folder}  (Ctrl-C stops)")
    try:
        while srv.running:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
        shutil.rmtree(srv.folder, ignore_errors=True)
    os._exit(0)
