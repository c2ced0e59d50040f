"""The socket plumbing under the test peers (mqtt_standin, tcp_proxy,
tls_refuser): one thread per peer runs a selectors loop that serves every
socket of that peer, and the test thread's commands run on that thread too
(`call`). No socket, and no TLS object, is ever touched by two threads, which
OpenSSL requires; and stopping a peer closes everything it opened before
`stop()` returns."""
import errno
import selectors
import socket
import ssl
import struct
import threading
import time
from collections import deque
from concurrent.futures import Future

READ = selectors.EVENT_READ
WRITE = selectors.EVENT_WRITE


class EventLoop:
    """A thread serving sockets. Callbacks get the ready mask; an exception in a
    callback is recorded in `errors` (a self-test asserts it stays empty) and
    the loop goes on."""

    def __init__(self, name: str):
        self.name = name
        self.errors: list[str] = []
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._sel.register(self._wake_r, READ, self._drain_wake)
        self._posted: deque = deque()
        self._lock = threading.Lock()
        self._running = False
        self._thread: threading.Thread | None = None

    def start(self) -> "EventLoop":
        self._running = True
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self, cleanup=None) -> None:
        """Runs `cleanup` on the loop thread, closes every socket still watched and joins."""
        if not self._thread:
            return
        def finish():
            if cleanup:
                cleanup()
            for key in list(self._sel.get_map().values()):
                if key.fileobj is not self._wake_r:
                    self._sel.unregister(key.fileobj)
                    key.fileobj.close()
            self._running = False
        self.post(finish)
        self._thread.join(timeout=10)
        if self._thread.is_alive():
            raise RuntimeError(f"{self.name}: loop thread did not stop")
        self._thread = None
        self._sel.close()
        self._wake_r.close()
        self._wake_w.close()

    def in_loop(self) -> bool:
        return threading.current_thread() is self._thread

    def post(self, fn, *args) -> None:
        with self._lock:
            self._posted.append((fn, args))
        try:
            self._wake_w.send(b"x")
        except BlockingIOError:
            pass  # the loop has wake-ups pending already

    def call(self, fn, *args, timeout: float = 10.0):
        """Runs fn(*args) on the loop thread and returns its result (or raises its exception)."""
        if self.in_loop():
            return fn(*args)
        done: Future = Future()
        def run():
            try:
                done.set_result(fn(*args))
            except BaseException as e:  # handed to the caller
                done.set_exception(e)
        self.post(run)
        return done.result(timeout)

    def watch(self, sock, events: int, callback) -> None:
        self._sel.register(sock, events, callback)

    def modify(self, sock, events: int, callback) -> None:
        self._sel.modify(sock, events, callback)

    def unwatch(self, sock) -> None:
        try:
            self._sel.unregister(sock)
        except (KeyError, ValueError):
            pass

    def _drain_wake(self, _mask) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass

    def _run_posted(self) -> None:
        while True:
            with self._lock:
                if not self._posted:
                    return
                fn, args = self._posted.popleft()
            self._guard(fn, *args)

    def _guard(self, fn, *args) -> None:
        try:
            fn(*args)
        except Exception as e:  # a peer bug must show, not kill the loop
            self.errors.append(f"{type(e).__name__}: {e}")

    def _run(self) -> None:
        while self._running:
            for key, mask in self._sel.select():
                if key.fileobj is not self._wake_r and key.fileobj.fileno() < 0:
                    continue  # closed by an earlier callback of this round
                self._guard(key.data, mask)
            self._run_posted()


def listen(port: int = 0, host: str = "127.0.0.1") -> socket.socket:
    """A non-blocking listening socket; port 0 lets the OS choose."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(64)
    s.setblocking(False)
    return s


def accept_all(listener: socket.socket):
    """Every connection waiting on a non-blocking listener."""
    while True:
        try:
            sock, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            if e.errno in (errno.ECONNABORTED, errno.EMFILE, errno.ENFILE):
                return
            raise
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        yield sock


class Stream:
    """A non-blocking connection on an EventLoop: bytes read go to
    on_data(bytes); send() buffers and writes as the socket allows;
    on_close(why) runs once, whoever closed. With handshake=True the socket is
    a server-side TLS socket (ssl module or an object with the same
    non-blocking behaviour) whose handshake runs first; on_ready() follows it.
    Must be used on the loop thread only."""

    def __init__(self, loop: EventLoop, sock, on_data, on_close, *, handshake: bool = False, on_ready=None):
        self.loop = loop
        self.sock = sock
        self.on_data = on_data
        self.on_close = on_close
        self.on_ready = on_ready
        self.handshaking = handshake
        self.reading = True
        self.frozen = False  # neither reads nor writes (a dead link)
        self.closed = False
        self.close_after_flush: str | None = None
        self.drain_after_flush = False
        self.out = bytearray()
        self.opened_at = time.monotonic()
        self.peer = sock.getpeername()
        self.watched = 0
        self._rearm()  # the TLS handshake starts when the ClientHello arrives

    # ---- used by the peers ------------------------------------------------
    def send(self, data: bytes) -> None:
        if self.closed or self.close_after_flush:
            return
        self.out += data
        self._flush()

    def pause_reading(self) -> None:
        self.reading = False
        self._rearm()

    def resume_reading(self) -> None:
        self.reading = True
        self._rearm()
        self.loop.post(self._read_if_open)  # a TLS record may wait decrypted inside OpenSSL

    def freeze(self, frozen: bool) -> None:
        self.frozen = frozen
        self._rearm()
        if not frozen:
            self.loop.post(self._read_if_open)
            self.loop.post(self._flush)

    def close(self, why: str, flush: bool = False, reset: bool = False, drain: bool = False) -> None:
        """Closes now, or once what was sent is written (flush). reset: RST instead of FIN.
        drain: as a broker does after its DISCONNECT, sends the FIN and reads (and drops)
        what the client still sends until it closes too (at most 2 s), so the kernel
        does not answer unread data with an RST that could destroy the DISCONNECT
        before the client reads it."""
        if self.closed:
            return
        if flush and self.out and not self.frozen:
            self.close_after_flush = why
            self.drain_after_flush = drain
            self.reading = False
            self._rearm()
            return
        self.closed = True
        self.loop.unwatch(self.sock)
        if drain and not reset and not self.frozen:
            try:
                self.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            else:
                self.loop.watch(self.sock, READ, self._drain)
                timer = threading.Timer(2.0, self._drain_timeout)
                timer.daemon = True
                timer.start()
                self.on_close(why)
                return
        if reset:  # linger on, 0 s: close() sends an RST
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Never SSL_shutdown: a close here sends no TLS alert, only the TCP FIN (or RST).
        self.sock.close()
        self.on_close(why)

    # ---- inside -----------------------------------------------------------
    def _drain(self, _mask: int) -> None:
        try:
            while self.sock.recv(65536):
                pass
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return
        except (ssl.SSLError, OSError):
            pass
        self._end_drain()

    def _drain_timeout(self) -> None:
        try:
            self.loop.post(self._end_drain)
        except OSError:  # the loop has stopped: nothing is watched any more
            self.sock.close()

    def _end_drain(self) -> None:
        if self.sock.fileno() < 0:
            return
        self.loop.unwatch(self.sock)
        self.sock.close()

    def _rearm(self, want_write: bool = False) -> None:
        """Watches the socket for what the stream wants now; unwatched while it wants nothing."""
        if self.closed:
            return
        events = 0
        if not self.frozen:
            if self.handshaking or (self.reading and not self.close_after_flush):
                events |= READ
            if self.out or want_write:
                events |= WRITE
        if events == self.watched:
            return
        if not events:
            self.loop.unwatch(self.sock)
        elif not self.watched:
            self.loop.watch(self.sock, events, self._ready)
        else:
            self.loop.modify(self.sock, events, self._ready)
        self.watched = events

    def _ready(self, mask: int) -> None:
        if self.handshaking:
            self._handshake()
            return
        if mask & WRITE:
            self._flush()
        if mask & READ:
            self._read_if_open()

    def _handshake(self) -> None:
        try:
            self.sock.do_handshake()
        except ssl.SSLWantReadError:
            return self._rearm()
        except ssl.SSLWantWriteError:
            return self._rearm(want_write=True)
        except (ssl.SSLError, OSError) as e:
            return self.close(f"TLS handshake failed: {e}")
        self.handshaking = False
        self._rearm()
        if self.on_ready:
            self.on_ready()
        self._read_if_open()

    def _read_if_open(self) -> None:
        while not self.closed and self.reading and not self.frozen and not self.handshaking \
                and not self.close_after_flush:
            try:
                data = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                return
            except (ssl.SSLError, OSError) as e:
                return self.close(f"read failed: {e}")
            if not data:
                return self.close("closed by peer")
            self.on_data(data)

    def _flush(self) -> None:
        while self.out and not self.closed and not self.frozen:
            try:
                n = self.sock.send(self.out)
            except (BlockingIOError, InterruptedError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                break
            except (ssl.SSLError, OSError) as e:
                return self.close(f"write failed: {e}")
            del self.out[:n]
        if self.closed:
            return
        if not self.out and self.close_after_flush:
            why, self.close_after_flush = self.close_after_flush, None
            return self.close(why, drain=self.drain_after_flush)
        self._rearm()
