"""The browser app (``coalitionsim app``): a thin layer of Mesa's SolaraViz over the model.

Modules: :mod:`.levers` (the app model and its levers, no UI imports), :mod:`.views` (HTML and matplotlib
panels, no UI imports), :mod:`.components` (Solara components) and :mod:`.app` (the page). Importing this
package does not import solara; :func:`serve` starts the server in a subprocess.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys

APP_MODULE = "coalitionsim.app.app"
DEFAULT_PORT = 8765


class AppUnavailable(RuntimeError):
    """The optional dependencies of the app are not installed."""


def check_installed() -> None:
    missing = [m for m in ("solara", "altair") if importlib.util.find_spec(m) is None]
    if missing:
        raise AppUnavailable(
            f"the browser app needs {', '.join(missing)}: install the app extra, e.g. pip install -e \".[app]\"")


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_in_use(host: str, port: int) -> bool:
    """Whether another program listens on ``host:port`` (a probe bind, with SO_REUSEADDR as the server has,
    so a port that only lingers from a closed connection does not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def server_command(host: str = "localhost", port: int = DEFAULT_PORT, open_browser: bool = True) -> list[str]:
    """The ``solara run`` command line that serves the app."""
    return [sys.executable, "-m", "solara", "run", APP_MODULE, "--host", host, "--port", str(port), "--production",
            "--open" if open_browser else "--no-open", "--log-level", "warning"]


def server_env() -> dict[str, str]:
    """Environment for the server: no telemetry calls (the app must work offline), and quiet about two
    known, harmless warnings (Mesa's hook-rule warning, Solara's samesite cookie note on plain http)."""
    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    env.setdefault("SOLARA_CHECK_HOOKS", "off")
    env.setdefault("PYTHONWARNINGS", "ignore::UserWarning:solara.server.starlette")
    return env


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def serve(host: str = "localhost", port: int = DEFAULT_PORT, open_browser: bool = True) -> int:
    """Run the app server until it stops; returns its exit code (0 after Ctrl-C)."""
    check_installed()
    proc = subprocess.Popen(server_command(host, port, open_browser), env=server_env())
    previous = signal.signal(signal.SIGTERM, _interrupt)  # stop the server when we are stopped
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
