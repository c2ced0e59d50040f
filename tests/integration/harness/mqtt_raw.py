"""A raw MQTT client for tests that must see what a library hides: the
reason code of a PUBACK or of a server DISCONNECT, the CONNACK properties,
whether the server closed the socket without a word. It writes the packets
it is told to (mqtt_codec) on a blocking socket and returns what comes back,
packet by packet, with deadlines. Not a general client: no keepalive, no
retries."""
import socket
import ssl
import time

from . import mqtt_codec as mq


class ConnectionClosed(Exception):
    """The server closed the connection (EOF or reset) while a packet was awaited."""


class RawClient:
    def __init__(self, port: int, *, tls=None, host: str = "127.0.0.1", timeout: float = 10.0):
        """tls: harness.brokers.TlsFiles of the client (CA, cert, key)."""
        self.timeout = timeout
        self.v5 = False
        self.closed_by_server = False
        self.received: list[mq.Packet] = []
        self._framer = mq.Framer()
        self._pending: list[mq.Packet] = []
        self._ids = iter(range(1, 65536))
        sock = socket.create_connection((host, port), timeout=timeout)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.load_verify_locations(tls.ca_file)
            ctx.load_cert_chain(tls.cert_file, tls.key_file)
            try:
                sock = ctx.wrap_socket(sock, server_hostname=host)
            except BaseException:
                sock.close()
                raise
        self.sock = sock

    # ---- packets out -------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def connect(self, client_id: str = "raw", *, level: int = 5, clean: bool = True, keepalive: int = 30,
                props: dict | None = None) -> tuple[bool, int, dict]:
        """Sends CONNECT and returns the CONNACK's (session present, reason code, properties)."""
        self.v5 = level == 5
        self.send(mq.connect(client_id, level=level, clean=clean, keepalive=keepalive, props=props))
        return mq.parse_connack(self.expect(mq.CONNACK).body, self.v5)

    def publish(self, topic: str, payload: bytes | str = b"", qos: int = 1, *, retain: bool = False,
                props: dict | None = None) -> int | None:
        """Sends a PUBLISH; returns its packet id (QoS 1)."""
        payload = payload.encode() if isinstance(payload, str) else payload
        packet_id = next(self._ids) if qos else None
        self.send(mq.publish(mq.Publish(topic, payload, qos, retain, False, packet_id, props or {}), self.v5))
        return packet_id

    def publish_acked(self, topic: str, payload: bytes | str = b"", **kw) -> tuple[int, dict]:
        """A QoS 1 PUBLISH and its PUBACK's (reason code, properties)."""
        packet_id = self.publish(topic, payload, 1, **kw)
        ack = self.expect(mq.PUBACK, lambda p: mq.parse_ack(p.body, self.v5)[0] == packet_id)
        return mq.parse_ack(ack.body, self.v5)[1:]

    def subscribe(self, topic_filter: str, qos: int = 1, props: dict | None = None) -> list[int]:
        """SUBSCRIBE; returns the SUBACK's reason codes."""
        packet_id = next(self._ids)
        self.send(mq.subscribe(packet_id, [(topic_filter, qos)], v5=self.v5, props=props))
        return mq.parse_sub_ack(self.expect(mq.SUBACK).body, self.v5)[1]

    def ping(self) -> None:
        self.send(mq.PINGREQ_BYTES)
        self.expect(mq.PINGRESP)

    def disconnect(self) -> None:
        self.send(mq.disconnect(v5=self.v5))
        self.close()

    def close(self) -> None:
        self.sock.close()

    # ---- packets in --------------------------------------------------------------------------
    def read(self, timeout: float | None = None) -> mq.Packet:
        """The next packet; ConnectionClosed at EOF, TimeoutError after `timeout`."""
        if self._pending:
            return self._pending.pop(0)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no packet from the server")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("no packet from the server") from None
            except (ConnectionResetError, ssl.SSLError) as e:
                self.closed_by_server = True
                raise ConnectionClosed(f"connection reset: {e}") from None
            if not data:
                self.closed_by_server = True
                raise ConnectionClosed("the server closed the connection")
            packets = self._framer.feed(data)
            if self._framer.error:
                raise self._framer.error
            self.received += packets
            if packets:
                self._pending += packets[1:]
                return packets[0]

    def expect(self, ptype: int, match=None, timeout: float | None = None) -> mq.Packet:
        """Reads until a packet of `ptype` (and `match`) arrives; others wait in
        line for the next read. A DISCONNECT instead raises ConnectionClosed
        naming its reason code."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        skipped = []
        try:
            while True:
                p = self.read(max(0.0, deadline - time.monotonic()))
                if p.type == ptype and (match is None or match(p)):
                    return p
                if p.type == mq.DISCONNECT and ptype != mq.DISCONNECT:
                    code = mq.parse_disconnect(p.body)[0]
                    raise ConnectionClosed(f"server DISCONNECT 0x{code:02x}")
                skipped.append(p)
        finally:
            self._pending = skipped + self._pending

    def wait_closed(self, timeout: float | None = None) -> list[mq.Packet]:
        """Reads until the server closes; returns the packets that came before the close."""
        got = []
        while True:
            try:
                got.append(self.read(timeout))
            except ConnectionClosed:
                return got

    def disconnect_reason(self, timeout: float | None = None) -> int | None:
        """Waits for the server to close: the reason code of its DISCONNECT, or None if it sent none."""
        for p in self.wait_closed(timeout):
            if p.type == mq.DISCONNECT:
                return mq.parse_disconnect(p.body)[0]
        return None

    def __enter__(self) -> "RawClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
