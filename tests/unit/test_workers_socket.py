"""`vaksam serve --workers N` binds its shared socket so that connections get TCP_NODELAY (without
it every keep-alive response waited ~40 ms for the client's delayed ACK; api/workers.py)."""

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor

from api.workers import NoDelayConfig
from tests.servers import free_port


def test_the_shared_socket_gives_connections_tcp_nodelay():
    listener = NoDelayConfig("api.app:create_app", host="127.0.0.1", port=free_port()).bind_socket()
    assert listener.proto == socket.IPPROTO_TCP and listener.get_inheritable()

    async def accepted_nodelay() -> int:
        seen: asyncio.Future = asyncio.get_running_loop().create_future()

        def connected(reader, writer) -> None:
            sock = writer.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(connected, sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname())
        try:
            return await asyncio.wait_for(seen, 5)
        finally:
            writer.close()
            server.close()

    # A thread of its own: the browser tests' Playwright keeps an event loop on the main thread.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, accepted_nodelay()).result() == 1
