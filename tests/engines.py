"""Real SPARQL engines for the store tests, started on loopback in temporary folders and stopped after.

Oxigraph server (the PyPI ``oxigraph`` package's ``oxigraph`` binary, a test dependency) lives here;
Virtuoso lives beside it in ``tests/engines_virtuoso.py``. An engine that cannot start fails the test
loudly: no test silently skips a store.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = ["free_port", "OxigraphServer", "wait_for_sparql"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_sparql(url: str, proc: subprocess.Popen[bytes] | None, timeout: float = 30.0, log: Path | None = None) -> None:
    """Poll ``url`` with ``ASK {}`` until it answers 200; raise with the engine's log when it does not."""
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the engine exited with {proc.returncode}: {log.read_text()[-2000:] if log else ''}")
        try:
            if httpx.post(url, data={"query": "ASK {}"}, timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout:g} s: {log.read_text()[-2000:] if log else ''}")
        time.sleep(0.1)


def _oxigraph_binary() -> str:
    found = Path(sys.executable).with_name("oxigraph")
    if found.is_file():
        return str(found)
    on_path = shutil.which("oxigraph")
    if on_path is None:
        raise RuntimeError("the oxigraph server binary is not installed (pip install 'oxigraph>=0.5.13,<0.6')")
    return on_path


@dataclass
class OxigraphServer:
    """``oxigraph serve --location DIR --bind 127.0.0.1:PORT``; :meth:`stop` and :meth:`start` again
    keep the same folder and port (the data survives a restart)."""

    location: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base + "/query"

    @property
    def update_url(self) -> str:
        return self.base + "/update"

    @property
    def gsp_url(self) -> str:
        return self.base + "/store"

    @property
    def spec(self) -> str:
        return f"sparql:{self.query_url}"

    def env(self, gsp: bool = False) -> dict[str, str]:
        """The EMSKG_STORE* environment that points emskg at this server."""
        return {"EMSKG_STORE": self.spec, "EMSKG_STORE_UPDATE": self.update_url,
                "EMSKG_STORE_GSP": self.gsp_url if gsp else ""}

    def start(self) -> OxigraphServer:
        self.location.mkdir(parents=True, exist_ok=True)
        log = self.location.parent / f"{self.location.name}.log"
        with log.open("ab") as out:
            self.proc = subprocess.Popen([_oxigraph_binary(), "serve", "--location", str(self.location),
                                          "--bind", f"127.0.0.1:{self.port}"], stdout=out, stderr=subprocess.STDOUT)
        wait_for_sparql(self.query_url, self.proc, log=log)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def clear(self) -> None:
        """Empty the store (``CLEAR ALL``)."""
        r = httpx.post(self.update_url, content=b"CLEAR ALL", trust_env=False,
                       headers={"Content-Type": "application/sparql-update"}, timeout=30)
        r.raise_for_status()
