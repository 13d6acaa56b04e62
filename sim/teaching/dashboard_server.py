"""Serving the dashboard: ``painloop dashboard [--port N]`` runs Solara's server on uvicorn, the
way Solara documents for deployment (``SOLARA_APP=... uvicorn solara.server.starlette:app``),
and prints the address once the server is listening.

The server talks to nobody but the browser: Solara's usage telemetry is switched off here.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
import warnings

from sim.core import checks
from sim.core.errors import InputError

APP = "sim.teaching.dashboard"
MISSING_EXTRA = ("the dashboard needs the 'dashboard' extra ({missing} is not installed): "
                 "pip install 'painloop[dashboard]'")


def _check_installed() -> None:
    for module in ("solara", "uvicorn", "networkx"):
        try:
            __import__(module)
        except ImportError:
            raise InputError(MISSING_EXTRA.format(missing=module)) from None


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it)."""
    return _bind(host, 0)


def _bind(host: str, port: int) -> int:
    """Bind ``host:port`` once to see that the server will be able to; return the bound port."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise InputError(f"--host {host!r} is not an address of this computer ({err}); "
                         f"use 127.0.0.1 (this computer only)") from None
    family, _, _, _, where = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind(where)
        except OSError as err:
            raise InputError(f"cannot listen on {host}:{port} ({err.strerror or err}); "
                             f"try another --port, or --port 0 for any free one") from None
        return s.getsockname()[1]


def is_loopback(host: str) -> bool:
    """True when ``host`` resolves only to loopback addresses (reachable from this computer only)."""
    import ipaddress

    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False
    return all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


def _check_port(host: str, port: int) -> int:
    port = checks.whole(port, "--port", 0, 65535)
    return _bind(host, port)


def serve(host: str = "127.0.0.1", port: int = 8765) -> int:
    """Run the dashboard server until interrupted; prints ``painloop dashboard: http://...``."""
    _check_installed()
    port = _check_port(host, port)
    if not is_loopback(host):
        print(f"painloop dashboard: warning: --host {host} serves the dashboard to other computers "
              f"on the network; the page has no login, so anyone who can reach {host}:{port} can "
              f"use it (and run simulations on this computer)", file=sys.stderr, flush=True)
    os.environ["SOLARA_APP"] = APP
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_MODE", "production")
    # Solara warns, a page long, that a page served over plain http on localhost cannot use
    # SameSite=None cookies; it falls back to Lax, which is what a local dashboard wants.
    warnings.filterwarnings("ignore", message=r"Cookies with samesite=none require https")
    import uvicorn

    server = uvicorn.Server(uvicorn.Config("solara.server.starlette:app", host=host, port=port,
                                           log_level="warning", ws_max_size=2**26))
    url = f"http://{host}:{port}/"

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            print(f"painloop dashboard: {url} (Ctrl+C stops it)", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    print(f"painloop dashboard: starting on {url} ...", file=sys.stderr, flush=True)
    server.run()
    return 0
