"""The stack's path to PostgreSQL: a TCP proxy (asyncio) between the stack's processes and the
machine's server, which a fault drill can cut.

Production reaches its database server over a network that can fail; the stack's processes reach
the machine's PostgreSQL through this proxy, so the failure can be staged without touching the
machine's server, which other programs share. SIGUSR1 cuts the path: the listening socket is
closed (a new connection is refused at once, as by a server that is down) and every open
connection is reset (as by a server that went away). SIGUSR2 opens it again. `python -m lms.stack
db-outage SECONDS` does both (lms.stack.control.database_outage)."""

import asyncio
import signal
import sys

COPY_CHUNK = 64 * 1024


class DatabaseProxy:
    def __init__(self, *, listen: tuple[str, int], target: tuple[str, int]) -> None:
        self.listen = listen
        self.target = target
        self.server: asyncio.Server | None = None
        self.connections: set[asyncio.StreamWriter] = set()
        self.handlers: set[asyncio.Task] = set()

    async def open(self) -> None:
        if self.server is None:
            self.server = await asyncio.start_server(self._serve, *self.listen)
            _say(f"open: {self.listen[0]}:{self.listen[1]} → {self.target[0]}:{self.target[1]}")

    def cut(self) -> None:
        self._shut()
        _say("cut: connections refused until SIGUSR2")

    async def close(self) -> None:
        """Shut, and let every connection's handler finish (rather than be cancelled mid-copy)."""
        self._shut()
        await asyncio.gather(*self.handlers, return_exceptions=True)
        _say("stopped")

    def _shut(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.connections):
            # abort(), not close(): a reset, as when the server's machine goes away.
            writer.transport.abort()
        self.connections.clear()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        self.handlers.add(handler)
        handler.add_done_callback(self.handlers.discard)
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        if self.server is None:  # cut while this one was connecting
            client_writer.transport.abort()
            server_writer.transport.abort()
            return
        pair = {client_writer, server_writer}
        self.connections |= pair
        try:
            await asyncio.gather(_copy(client_reader, server_writer), _copy(server_reader, client_writer))
        finally:
            self.connections -= pair
            for writer in pair:
                writer.transport.abort()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(COPY_CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.transport.abort()


def _say(message: str) -> None:
    print(f"db_proxy {message}", file=sys.stderr, flush=True)


async def serve(*, listen: tuple[str, int], target: tuple[str, int]) -> None:
    """Run until SIGTERM or SIGINT; SIGUSR1 cuts the path, SIGUSR2 opens it again."""
    proxy = DatabaseProxy(listen=listen, target=target)
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, proxy.cut)
    loop.add_signal_handler(signal.SIGUSR2, lambda: loop.create_task(proxy.open()))
    loop.add_signal_handler(signal.SIGTERM, stopped.set)
    loop.add_signal_handler(signal.SIGINT, stopped.set)
    await proxy.open()
    await stopped.wait()
    await proxy.close()
