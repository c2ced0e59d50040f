"""A TLS front that refuses a client certificate the way Node's TLS server
does under Aedes (requestCert: true, rejectUnauthorized: false, the CN checked
by the application): the handshake completes whatever certificate the client
shows, signed by any CA or none at all, and then, if the certificate's CN is
not in the allowed set, the connection is closed at once -- no TLS alert, no
MQTT CONNACK, no byte of data. The client sees a finished handshake and then
an EOF or a reset. AWS IoT Core does much the same with a certificate it
does not know. With an allowed CN the decrypted stream goes on to a plain
backend broker (e.g. a plaintext Mosquitto), so a good certificate gets a
working MQTT connection.

Python's ssl module cannot ask for a certificate without verifying it, so
this peer uses pyOpenSSL (Debian's python3-openssl) with a verify callback
that accepts everything.

    refuser = SilentTlsRefuser(pki.server_files(), backend_port=plain.port,
                               allowed_cns={"test-gw"}).start()
    refuser.attempts()   # per connection: the CN shown, allowed or not, what happened
"""
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from OpenSSL import SSL

from .loop import READ, EventLoop, Stream, accept_all, listen
from .net import wait_until


@dataclass
class TlsAttempt:
    peer: tuple
    at: float
    cn: str | None = None  # the client certificate's CN; None: no certificate (or no handshake)
    outcome: str = "handshake"  # "refused", "forwarded", "handshake failed: ...", "backend unreachable"
    closed: str | None = None  # why the connection ended, once it has


class _OpenSslSocket:
    """A server-side pyOpenSSL connection that behaves, to Stream, like a
    non-blocking ssl.SSLSocket (the same exceptions and EOF)."""

    def __init__(self, conn: SSL.Connection):
        self.conn = conn

    def fileno(self) -> int:
        return self.conn.fileno()

    def getpeername(self):
        return self.conn.getpeername()

    def setsockopt(self, *args) -> None:
        self.conn.setsockopt(*args)

    def close(self) -> None:
        self.conn.close()  # the socket only: no SSL_shutdown, no close_notify alert

    def peer_cn(self) -> str | None:
        cert = self.conn.get_peer_certificate()
        return cert.get_subject().CN if cert is not None else None

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except SSL.WantReadError:
            raise ssl.SSLWantReadError() from None
        except SSL.WantWriteError:
            raise ssl.SSLWantWriteError() from None
        except SSL.ZeroReturnError:
            return b""
        except SSL.SysCallError as e:
            if e.args and e.args[0] == -1:  # unexpected EOF
                return b""
            raise OSError(str(e)) from None
        except SSL.Error as e:
            raise ssl.SSLError(str(e)) from None

    def do_handshake(self) -> None:
        self._call(self.conn.do_handshake)

    def recv(self, n: int) -> bytes:
        return self._call(self.conn.recv, n)

    def send(self, data) -> int:
        return self._call(self.conn.send, bytes(data))


class SilentTlsRefuser:
    def __init__(self, tls, backend_port: int, allowed_cns, *, backend_host: str = "127.0.0.1",
                 port: int = 0, max_tls_version: str | None = None):
        """tls: harness.brokers.TlsFiles with the server certificate and key (its CA
        is named in the certificate request). max_tls_version "1.2" keeps TLS 1.3 off."""
        self.tls = tls
        self.backend = (backend_host, backend_port)
        self.allowed_cns = set(allowed_cns)
        self.port = port
        self.max_tls_version = max_tls_version
        self._lock = threading.Lock()
        self._attempts: list[TlsAttempt] = []
        self._streams: set[Stream] = set()
        self._loop: EventLoop | None = None
        self._listener = None
        self._errors: list[str] = []

    @property
    def url(self) -> str:
        return f"mqtts://127.0.0.1:{self.port}"

    @property
    def errors(self) -> list[str]:
        """Exceptions inside the refuser (a bug in it); a self-test asserts none."""
        return list(self._errors)

    def start(self) -> "SilentTlsRefuser":
        ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
        ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
        if self.max_tls_version == "1.2":
            ctx.set_max_proto_version(SSL.TLS1_2_VERSION)
        ctx.use_certificate_chain_file(self.tls.cert_file)
        ctx.use_privatekey_file(self.tls.key_file)
        ctx.load_client_ca(self.tls.ca_file.encode())
        ctx.set_verify(SSL.VERIFY_PEER, lambda conn, cert, errno, depth, ok: True)  # ask, never refuse
        self._ctx = ctx
        self._listener = listen(self.port)
        self.port = self._listener.getsockname()[1]
        self._loop = EventLoop(f"tls-refuser:{self.port}").start()
        self._errors = self._loop.errors
        self._loop.call(self._loop.watch, self._listener, READ, self._accept)
        return self

    def stop(self) -> None:
        if not self._loop:
            return
        def close_all():
            self._loop.unwatch(self._listener)
            self._listener.close()
            for stream in list(self._streams):
                stream.close("refuser stopped")
        self._loop.stop(close_all)
        self._loop = None

    def allow(self, *cns: str) -> None:
        """Changes the allowed set for the connections that come next."""
        self._loop.call(lambda: setattr(self, "allowed_cns", set(cns)))

    def attempts(self) -> list[TlsAttempt]:
        with self._lock:
            return [TlsAttempt(**vars(a)) for a in self._attempts]

    def wait_attempts(self, count: int, timeout: float = 10.0, outcome: str | None = None) -> list[TlsAttempt]:
        """Waits for `count` connections that ended their handshake (with that outcome) and closed,
        or were forwarded."""
        def enough():
            got = [a for a in self.attempts() if a.outcome != "handshake" and (outcome is None or a.outcome == outcome)
                   and (a.closed or a.outcome == "forwarded")]
            return got if len(got) >= count else None
        return wait_until(enough, timeout, what=f"{count} TLS attempt(s){' ' + outcome if outcome else ''}")

    # ---- inside ---------------------------------------------------------------------------------
    def _accept(self, _mask) -> None:
        for sock in accept_all(self._listener):
            attempt = TlsAttempt(sock.getpeername(), time.monotonic())
            with self._lock:
                self._attempts.append(attempt)
            conn = SSL.Connection(self._ctx, sock)
            conn.set_accept_state()
            tls = _OpenSslSocket(conn)
            state = {}

            def ready(tls=tls, attempt=attempt, state=state):
                self._handshake_done(tls, attempt, state)

            def data(chunk, state=state):
                state["backend"].send(chunk)

            def closed(why, attempt=attempt, state=state):
                self._closed(attempt, state, "client", why)

            stream = Stream(self._loop, tls, data, closed, handshake=True, on_ready=ready)
            state["client"] = stream
            self._streams.add(stream)

    def _handshake_done(self, tls: _OpenSslSocket, attempt: TlsAttempt, state: dict) -> None:
        cn = tls.peer_cn()
        with self._lock:
            attempt.cn = cn
        if cn not in self.allowed_cns:
            with self._lock:
                attempt.outcome = "refused"
            state["client"].close(f"refused CN {cn}")
            return
        try:
            backend = socket.create_connection(self.backend, timeout=5)
        except OSError:
            with self._lock:
                attempt.outcome = "backend unreachable"
            state["client"].close("backend unreachable")
            return
        backend.setblocking(False)
        with self._lock:
            attempt.outcome = "forwarded"
        state["backend"] = Stream(self._loop, backend, state["client"].send,
                                  lambda why: self._closed(attempt, state, "backend", why))
        self._streams.add(state["backend"])

    def _closed(self, attempt: TlsAttempt, state: dict, side: str, why: str) -> None:
        with self._lock:
            if attempt.outcome == "handshake" and why.startswith("TLS handshake failed"):
                attempt.outcome = why.replace("TLS handshake failed", "handshake failed")
            attempt.closed = attempt.closed or f"{side}: {why}"
        self._streams.discard(state.get(side))
        other = state.get("backend" if side == "client" else "client")
        if other is not None:
            other.close(why, flush=True)
