"""A real app server for browser tests and benchmarks: start it, wait for it, stop it.

:func:`running_app` starts ``streamlit run app.py`` on a free port with its own scenario
library, waits for the health endpoint, yields the base URL and stops the server. Every
wait is bounded, and a server that dies or never answers is reported with the end of its
log. :func:`chromium_path` finds Debian's Chromium; the tests never download a browser.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
# The script has finished and the page is drawn: the state every interaction waits for.
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
RUNNING = "[data-testid='stApp'][data-test-script-state='running']"
RUN_START_MS = 500
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
# Often enough that the cold-start benchmark does not wait on the poll itself.
HEALTH_POLL_S = 0.02


def chromium_path() -> str | None:
    """The system's Chromium, or None when there is none."""
    if Path(CHROMIUM).is_file():
        return CHROMIUM
    return shutil.which("chromium")


def free_port() -> int:
    """A TCP port nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=1.0) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _tail(log_path: Path, lines: int = 30) -> str:
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server: SIGTERM to its own process group, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def running_app(
    library: Path,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = START_TIMEOUT_S,
    folder: Path = ROOT,
) -> Iterator[str]:
    """Run the app on a free port with ``library`` as its scenario library; yield its URL.

    Parameters
    ----------
    library
        The folder saved scenarios go to (``COHORT_PLANNER_LIBRARY``).
    env
        Extra environment variables for the server (e.g. ``COHORT_PLANNER_READ_ONLY``).
    timeout
        Seconds to wait for the health endpoint before giving up.
    folder
        Where ``app.py`` is (the repository's by default; the benchmark points it at a
        bare Streamlit app to measure Streamlit's own start).
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server_env = {**os.environ, "COHORT_PLANNER_LIBRARY": str(library), **(env or {})}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    with tempfile.TemporaryDirectory(prefix="cohort-planner-server-") as scratch:
        log_path = Path(scratch) / "server.log"
        with log_path.open("wb") as log:
            # A process group of its own, so stopping it stops whatever it started too.
            process = subprocess.Popen(
                command,
                cwd=folder,
                env=server_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                deadline = time.monotonic() + timeout
                while not _healthy(base_url):
                    if process.poll() is not None:
                        raise RuntimeError(
                            f"the app server exited with code {process.returncode} before "
                            f"answering:\n{_tail(log_path)}"
                        )
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"the app server did not answer {base_url}/_stcore/health within "
                            f"{timeout:.0f} s:\n{_tail(log_path)}"
                        )
                    time.sleep(HEALTH_POLL_S)
                yield base_url
            finally:
                _stop(process)


def launch_chromium(playwright: Any, executable: str) -> Any:
    """Headless Chromium from the system, with the flags a container needs."""
    return playwright.chromium.launch(
        executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
    )


def wait_idle(page: Any, timeout_ms: float = 15_000) -> None:
    """Wait until the app's script has finished running and the page is drawn.

    Right after an interaction the page may still read ``notRunning`` from the run before,
    so first give the new run up to :data:`RUN_START_MS` to show up, then wait for it to end.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with suppress(PlaywrightTimeout):
        page.wait_for_selector(RUNNING, state="attached", timeout=RUN_START_MS)
    page.wait_for_selector(IDLE, state="attached", timeout=timeout_ms)
