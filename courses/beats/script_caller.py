"""One Redis script, called over a plain socket per thread.

The beat script is the one Redis call of the hottest path of the site (~1,000 beats/s at 10,000
viewers). redis-py's general command path (connection pool, retry and observability wrappers, a
buffered RESP parser, a socket timeout that adds a poll to every read) costs about 100 µs of CPU per
call on our 2-core machines: more than the script itself and more than the rest of the endpoint.
So EVALSHA is written out here and its reply read by hand. Anything unusual falls back to
redis-py's Script object: no connection (or a URL this does not speak: TLS), a connection error,
NOSCRIPT (the script cache was flushed: redis-py loads it). A retried beat is harmless: the script
answers a beat it has already applied as a duplicate."""

import os
import socket
import struct
import threading

import redis
from redis.connection import Connection, UnixDomainSocketConnection

# Like redis-py's default, but enforced by the kernel (SO_RCVTIMEO): the socket stays blocking, so
# a read is one system call, not a poll and a read.
TIMEOUT_SECONDS = 5


class _Error:
    def __init__(self, message: str):
        self.message = message


def _pack(*parts) -> bytes:
    chunks = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        chunks.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(chunks)


def _read(reader):
    line = reader.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("Redis closed the connection")
    kind, rest = line[:1], line[1:-2]
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else reader.read(size + 2)[:-2]
    if kind == b"*":
        size = int(rest)
        return None if size < 0 else [_read(reader) for _ in range(size)]
    if kind == b":":
        return int(rest)
    if kind == b"+":
        return rest
    if kind == b"-":
        return _Error(rest.decode(errors="replace"))
    raise ConnectionError(f"unexpected reply from Redis: {line[:40]!r}")


class _Channel:
    def __init__(self, kwargs: dict, path: str | None):
        if path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(path)
        else:
            self.sock = socket.create_connection((kwargs.get("host", "localhost"), kwargs.get("port", 6379)))
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        timeout = struct.pack("ll", TIMEOUT_SECONDS, 0)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeout)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeout)
        self.reader = self.sock.makefile("rb")
        self.pid = os.getpid()
        if kwargs.get("password"):
            auth = [kwargs["username"], kwargs["password"]] if kwargs.get("username") else [kwargs["password"]]
            self.call(_pack("AUTH", *auth))
        if kwargs.get("db"):
            self.call(_pack("SELECT", kwargs["db"]))

    def call(self, command: bytes):
        self.sock.sendall(command)
        reply = _read(self.reader)
        if isinstance(reply, _Error) and not reply.message.startswith("NOSCRIPT"):
            raise redis.ResponseError(reply.message)
        return reply

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


class ScriptCaller:
    def __init__(self, client: redis.Redis, script: str):
        self._script = client.register_script(script)
        pool = client.connection_pool
        kwargs = pool.connection_kwargs
        # Only plain TCP and Unix sockets are spoken here; anything else always goes through redis-py.
        self._plain = pool.connection_class in (Connection, UnixDomainSocketConnection)
        self._kwargs = kwargs
        self._path = kwargs.get("path") if pool.connection_class is UnixDomainSocketConnection else None
        self._local = threading.local()

    def _channel(self) -> _Channel | None:
        channel = getattr(self._local, "channel", None)
        if channel is not None and channel.pid == os.getpid():
            return channel
        self._local.channel = None  # a channel inherited through fork() belongs to the parent
        if not self._plain:
            return None
        try:
            self._local.channel = _Channel(self._kwargs, self._path)
        except OSError:
            return None
        return self._local.channel

    def __call__(self, *, keys: list[str], args: list) -> list:
        channel = self._channel()
        if channel is not None:
            try:
                reply = channel.call(_pack("EVALSHA", self._script.sha, len(keys), *keys, *args))
            except (OSError, ValueError):
                channel.close()
                self._local.channel = None
            else:
                if not isinstance(reply, _Error):
                    return reply
        return self._script(keys=keys, args=args)
