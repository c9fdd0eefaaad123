"""Free TCP ports for test servers, chosen below the kernel's ephemeral range.

A port the kernel hands out for ``bind(0)`` is an ephemeral port: before the server binds it, it may be
taken as the source port of some outgoing connection. Ports below the ephemeral range never are.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

HOST = "127.0.0.1"


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(host: str = HOST) -> int:
    """A port on ``host`` that is free now and outside the ephemeral range (falls back to ``bind(0)``)."""
    low, high = 20000, min(_ephemeral_start(), 32768) - 1
    for _ in range(200):
        port = random.randint(low, high)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
