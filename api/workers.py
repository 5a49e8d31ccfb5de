"""``vaksam serve --workers N``: uvicorn's process supervisor, on a socket that keeps TCP_NODELAY.

uvicorn (0.54) binds the listening socket the workers share with ``proto`` 0; accepted
connections inherit it, and asyncio only turns Nagle's algorithm off when ``proto`` is
``IPPROTO_TCP``. So with several workers every keep-alive response after the first waited for the
client's delayed ACK (about 40 ms on Linux; uvicorn issue #3149, open). Measured here (one
keep-alive client, 10k passages, 100 questions): one process p50 20-28 ms, two workers 68 ms on
uvicorn's socket, 25 ms on this one. The single-process path is unaffected (asyncio binds it).

Usage::

    serve_workers("api.app:create_app", 2, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess


class NoDelayConfig(uvicorn.Config):
    """uvicorn's Config whose shared TCP socket says it is TCP, so connections get TCP_NODELAY."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
            sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
            sock.set_inheritable(True)
        return sock


def serve_workers(app: str, workers: int, **config: Any) -> None:
    """What ``uvicorn.run(app, workers=N, factory=True)`` does, with :class:`NoDelayConfig`."""
    settings = NoDelayConfig(app, workers=workers, factory=True, **config)
    sock = settings.bind_socket()
    Multiprocess(settings, sockets=[sock]).run()
