"""A TCP proxy in front of a real broker, standing in for the network between
a site and its cloud: a mobile uplink that goes half-open (pause: nothing
passes either way, the sockets stay open, nobody is told), a NAT or carrier
that cuts every connection (drop_all), a cloud endpoint that refuses
connections (refuse: the listening socket is closed, so a connect gets
"connection refused"). It never looks inside the bytes, so TLS runs end to
end between the client and the broker.

    proxy = TcpProxy(cloud_broker.port).start()
    url = proxy.url("mqtts")          # give this to the gateway instead of the broker's
    proxy.pause(); proxy.resume()
    proxy.drop_all()                  # FIN to both sides (reset=True: RST)
    proxy.refuse(True); proxy.refuse(False)
    proxy.stats()                     # connections accepted, open, bytes each way
"""
import socket
import threading
from dataclasses import dataclass

from .loop import READ, EventLoop, Stream, accept_all, listen
from .net import wait_until


@dataclass
class ProxyStats:
    accepted: int = 0  # connections accepted since start
    open: int = 0  # proxied connections open now
    backend_failures: int = 0  # accepted, but the backend could not be reached
    bytes_up: int = 0  # client -> backend
    bytes_down: int = 0  # backend -> client


class _Pair:
    def __init__(self, proxy: "TcpProxy", client_sock: socket.socket, backend_sock: socket.socket):
        self.proxy = proxy
        self.closed = False
        loop = proxy._loop
        self.client = Stream(loop, client_sock, self.up, lambda why: self.closed_one(self.backend, why))
        self.backend = Stream(loop, backend_sock, self.down, lambda why: self.closed_one(self.client, why))
        if proxy.paused:
            self.freeze(True)

    def up(self, data: bytes) -> None:
        self.proxy._count("bytes_up", len(data))
        self.backend.send(data)

    def down(self, data: bytes) -> None:
        self.proxy._count("bytes_down", len(data))
        self.client.send(data)

    def freeze(self, frozen: bool) -> None:
        self.client.freeze(frozen)
        self.backend.freeze(frozen)

    def closed_one(self, other: Stream, why: str) -> None:
        """One side closed: the other side gets what was on its way, then the close."""
        other.close(why, flush=True)
        if not self.closed and self.client.closed and self.backend.closed:
            self.closed = True
            self.proxy._pairs.discard(self)
            self.proxy._count("open", -1)

    def close(self, reset: bool) -> None:
        self.client.close("dropped", reset=reset)
        self.backend.close("dropped", reset=reset)


class TcpProxy:
    def __init__(self, backend_port: int, backend_host: str = "127.0.0.1", port: int = 0):
        self.backend = (backend_host, backend_port)
        self.port = port
        self.paused = False
        self._stats = ProxyStats()
        self._lock = threading.Lock()
        self._pairs: set[_Pair] = set()
        self._loop: EventLoop | None = None
        self._listener: socket.socket | None = None
        self._errors: list[str] = []

    def url(self, scheme: str = "mqtts") -> str:
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def errors(self) -> list[str]:
        """Exceptions inside the proxy (a bug in it); a self-test asserts none."""
        return list(self._errors)

    def start(self) -> "TcpProxy":
        self._loop = EventLoop(f"tcp-proxy:{self.backend[1]}").start()
        self._errors = self._loop.errors
        self._loop.call(self._listen)
        return self

    def stop(self) -> None:
        if not self._loop:
            return
        def close_all():
            self._close_listener()
            for pair in list(self._pairs):
                pair.close(reset=False)
        self._loop.stop(close_all)
        self._loop = None

    # ---- controls -----------------------------------------------------------------------
    def pause(self) -> None:
        """Stops forwarding both ways; every socket stays open (a half-open link).
        Connections accepted while paused are paused too."""
        self._loop.call(self._set_paused, True)

    def resume(self) -> None:
        """Forwards again, starting with what waited in the kernel's buffers."""
        self._loop.call(self._set_paused, False)

    def drop_all(self, reset: bool = False) -> int:
        """Closes every proxied connection, both sides (reset: with an RST); returns how many."""
        def drop():
            pairs = list(self._pairs)
            for pair in pairs:
                pair.close(reset)
            return len(pairs)
        return self._loop.call(drop)

    def refuse(self, on: bool = True) -> None:
        """on: closes the listening socket, so new connections are refused; existing ones
        go on. off: listens again on the same port."""
        self._loop.call(self._close_listener if on else self._listen)

    # ---- records ----------------------------------------------------------------------------
    def stats(self) -> ProxyStats:
        with self._lock:
            return ProxyStats(**vars(self._stats))

    def wait_connections(self, count: int, timeout: float = 10.0) -> ProxyStats:
        """Waits until `count` connections were accepted since start."""
        return wait_until(lambda: (lambda s: s if s.accepted >= count else None)(self.stats()),
                          timeout, what=f"{count} connection(s) through the proxy")

    def wait_open(self, count: int, timeout: float = 10.0) -> ProxyStats:
        """Waits until exactly `count` proxied connections are open."""
        return wait_until(lambda: (lambda s: s if s.open == count else None)(self.stats()),
                          timeout, what=f"{count} open connection(s) through the proxy")

    # ---- inside ---------------------------------------------------------------------------------
    def _count(self, name: str, n: int) -> None:
        with self._lock:
            setattr(self._stats, name, getattr(self._stats, name) + n)

    def _set_paused(self, paused: bool) -> None:
        self.paused = paused
        for pair in self._pairs:
            pair.freeze(paused)

    def _listen(self) -> None:
        if self._listener is None:
            self._listener = listen(self.port)
            self.port = self._listener.getsockname()[1]
            self._loop.watch(self._listener, READ, self._accept)

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._loop.unwatch(self._listener)
            self._listener.close()
            self._listener = None

    def _accept(self, _mask) -> None:
        if self._listener is None:
            return
        for sock in accept_all(self._listener):
            self._count("accepted", 1)
            try:
                backend = socket.create_connection(self.backend, timeout=5)
            except OSError:
                self._count("backend_failures", 1)
                sock.close()
                continue
            backend.setblocking(False)
            backend.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._count("open", 1)
            self._pairs.add(_Pair(self, sock, backend))
