"""A small MQTT broker stand-in (3.1.1 and 5, QoS 0 and 1, optionally mutual
TLS) for cloud behaviours that no installable broker has. It routes PUBLISH
between its clients like a broker (no retained store, no persistent
sessions, no wills, no QoS 2: it advertises Maximum QoS 1, as AWS IoT Core does),
and it can misbehave in the ways real clouds do:

    v5="close"              RabbitMQ 3.10's MQTT plugin: a 3.1.1-only broker that
                            closes the socket on an MQTT 5 CONNECT instead of answering
                            (it accepts 3.1.1).
    puback_codes={"bad/#": 0x87}
                            per-topic PUBACK reason codes on MQTT 5 (first matching
                            filter wins; >= 0x80 = refused, not routed). On 3.1.1 there
                            are no codes: a refused publish is acknowledged and dropped,
                            which is what Mosquitto does with a publish its ACL denies.
    suback_codes={"secret/#": 0x87}
                            SUBACK codes per subscribed filter (the filter as sent):
                            AWS IoT Core refusing a SUBSCRIBE its policy does not
                            allow. On 3.1.1 any refusal is 0x80.
    quota=N                 the next N QoS 1 publishes from MQTT 5 clients (that no
                            code above refuses) get PUBACK 0x97 quota exceeded, then 0x00.
    close_on_topic="deny/#" AWS IoT Core on 3.1.1 when the policy refuses a publish:
                            the TCP connection is closed, no PUBACK.
    disconnect_with=(0x96, N)
                            on each connection, after N publishes were answered, the
                            next PUBLISH gets a server DISCONNECT with that reason code
                            (AWS IoT's "message rate too high") and the socket is closed;
                            3.1.1 clients, which have no server DISCONNECT, see the close.
    silent=True             a broker (or a path to it) that stops answering: no CONNACK,
                            PUBACK, SUBACK, PINGRESP, no deliveries; sockets stay open.
    no_subscribers_code=True
                            PUBACK 0x10 (no matching subscribers) on MQTT 5 when nobody
                            subscribed, as Mosquitto 2.0 answers.
    receive_maximum, maximum_packet_size, subscription_identifiers, connack_properties
                            what the MQTT 5 CONNACK announces. A packet larger than
                            maximum_packet_size gets DISCONNECT 0x95 and the close
                            (as Mosquitto does with its max_packet_size).

Every behaviour can be changed while it runs: `standin.behave(silent=True)`.
`standin.publish(topic, payload, qos)` sends to the subscribed clients, and
`standin.drop_connections(code)` hangs up on every client.

It records: `connections()` (protocol level, client id, CONNECT properties,
client certificate CN, pings, the most QoS 1 publishes left unanswered at
once, when and why it closed), `publishes()` (every PUBLISH received, with
the answer it got), `subscriptions()`, and `acks()` (PUBACKs from clients).
"""
import itertools
import ssl
import threading
import time
from dataclasses import dataclass, field, replace

from . import mqtt_codec as mq
from .loop import READ, EventLoop, Stream, accept_all, listen
from .net import wait_until

_BEHAVIOURS = ("v5", "puback_codes", "suback_codes", "quota", "close_on_topic", "disconnect_with", "silent",
               "no_subscribers_code", "receive_maximum", "maximum_packet_size", "subscription_identifiers",
               "connack_properties")


@dataclass
class ConnectionRecord:
    id: int
    peer: tuple
    opened_at: float
    cert_cn: str | None = None
    level: int | None = None  # CONNECT protocol level: 4 = 3.1.1, 5 = MQTT 5
    client_id: str | None = None
    clean: bool | None = None
    keepalive: int | None = None
    connect_properties: dict = field(default_factory=dict)
    connacked: bool = False
    pings: int = 0
    publishes: int = 0
    max_unanswered: int = 0  # QoS 1 publishes left without PUBACK at once (silent)
    closed_at: float | None = None
    why: str | None = None  # why it closed


@dataclass
class PublishSeen:
    connection: int
    client_id: str
    topic: str
    payload: bytes
    qos: int
    dup: bool
    retain: bool
    packet_id: int | None
    properties: dict
    answer: str  # "puback", "none" (QoS 0), "silent", "closed", "disconnect"
    reason: int | None  # the PUBACK or DISCONNECT reason code (MQTT 5; 0 on 3.1.1 PUBACKs)
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        return self.payload.decode(errors="replace")


class _Session:
    """One client connection: the MQTT state of it, on the standin's loop thread."""

    def __init__(self, standin: "MqttStandin", record: ConnectionRecord):
        self.s = standin
        self.rec = record
        self.stream: Stream | None = None
        self.framer = mq.Framer(standin.maximum_packet_size)
        self.v5 = False
        self.connected = False
        self.subs: dict[str, tuple[int, int | None]] = {}  # filter -> (granted qos, subscription id)
        self.unanswered = 0
        self.next_id = itertools.cycle(range(1, 65536))
        self.client_max_packet = None

    # ---- stream callbacks ----------------------------------------------------------------
    def on_ready(self) -> None:
        cert = self.stream.sock.getpeercert() if isinstance(self.stream.sock, ssl.SSLSocket) else None
        if cert:
            self.rec.cert_cn = next((v for rdn in cert.get("subject", ()) for k, v in rdn if k == "commonName"), None)

    def on_data(self, data: bytes) -> None:
        for p in self.framer.feed(data):
            if self.stream.closed or self.stream.close_after_flush:
                return
            try:
                self.handle(p)
            except mq.MalformedPacket as e:
                return self.hang_up(f"malformed {p.name}: {e}", mq.MALFORMED_PACKET)
        e = self.framer.error
        if isinstance(e, mq.PacketTooLarge):
            self.hang_up(f"packet too large ({e.size} bytes)", mq.PACKET_TOO_LARGE)
        elif e:
            self.hang_up(f"malformed packet: {e}", mq.MALFORMED_PACKET)

    def on_close(self, why: str) -> None:
        with self.s.lock:
            self.rec.closed_at = time.monotonic()
            self.rec.why = self.rec.why or why
        self.s.sessions.discard(self)

    # ---- helpers -----------------------------------------------------------------------
    def hang_up(self, why: str, code: int | None = None) -> None:
        """Closes; on MQTT 5, after a DISCONNECT with `code` (if given)."""
        if self.stream.closed or self.stream.close_after_flush:
            return
        with self.s.lock:
            self.rec.why = why
        disconnect = code is not None and self.v5 and self.connected
        if disconnect:
            self.stream.send(mq.disconnect(code, v5=True))
        self.stream.close(why, flush=True, drain=disconnect)

    def send(self, data: bytes) -> None:
        self.stream.send(data)

    # ---- packets -----------------------------------------------------------------------
    def handle(self, p: mq.Packet) -> None:
        s = self.s
        if not self.connected and p.type != mq.CONNECT:
            return self.hang_up(f"{p.name} before CONNECT")
        if p.type == mq.CONNECT:
            return self.on_connect(mq.parse_connect(p.body))
        if p.type == mq.PUBLISH:
            return self.on_publish(mq.parse_publish(p.flags, p.body, self.v5))
        if p.type == mq.PUBACK:
            packet_id, code, _ = mq.parse_ack(p.body, self.v5)
            with s.lock:
                s._acks.append((self.rec.client_id, packet_id, code))
            return
        if p.type == mq.PINGREQ:
            with s.lock:
                self.rec.pings += 1
            if not s.silent:
                self.send(mq.PINGRESP_BYTES)
            return
        if p.type == mq.SUBSCRIBE:
            return self.on_subscribe(*mq.parse_subscribe(p.body, self.v5))
        if p.type == mq.UNSUBSCRIBE:
            packet_id, filters = mq.parse_unsubscribe(p.body, self.v5)
            codes = [0x00 if self.subs.pop(f, None) else 0x11 for f in filters]
            if not s.silent:
                self.send(mq.sub_ack(mq.UNSUBACK, packet_id, codes, v5=self.v5))
            return
        if p.type == mq.DISCONNECT:
            code = mq.parse_disconnect(p.body)[0] if self.v5 else 0
            return self.hang_up(f"client DISCONNECT 0x{code:02x}" if code else "client DISCONNECT")
        self.hang_up(f"unexpected {p.name}", mq.PROTOCOL_ERROR)

    def on_connect(self, c: mq.Connect) -> None:
        s = self.s
        if self.connected:
            return self.hang_up("second CONNECT", mq.PROTOCOL_ERROR)
        with s.lock:
            r = self.rec
            r.level, r.client_id, r.clean, r.keepalive = c.level, c.client_id, c.clean, c.keepalive
            r.connect_properties = c.properties
        if c.level == 5 and s.v5 == "close":
            return self.hang_up("MQTT 5 CONNECT: closed by a 3.1.1-only broker")
        if c.level not in (3, 4, 5):
            self.send(mq.connack(0x01, v5=False))  # 3.1.1: unacceptable protocol version
            return self.hang_up(f"protocol level {c.level}")
        self.v5 = c.level == 5
        self.connected = True
        self.client_max_packet = c.properties.get("maximum_packet_size")
        props = {}
        if self.v5:
            if not c.client_id:
                with s.lock:
                    self.rec.client_id = f"standin-{self.rec.id}"
                props["assigned_client_identifier"] = self.rec.client_id
            props["maximum_qos"] = 1
            for name, value in (("receive_maximum", s.receive_maximum),
                                ("maximum_packet_size", s.maximum_packet_size)):
                if value is not None:
                    props[name] = value
            if not s.subscription_identifiers:
                props["subscription_identifier_available"] = 0
            props.update(s.connack_properties or {})
        if not s.silent:
            self.send(mq.connack(0, v5=self.v5, props=props))
            with s.lock:
                self.rec.connacked = True

    def on_publish(self, p: mq.Publish) -> None:
        """Decides the answer, records it, then acts (so the record is there before
        the client can see the answer)."""
        s = self.s
        with s.lock:
            self.rec.publishes += 1
            n = self.rec.publishes
        seen = PublishSeen(self.rec.id, self.rec.client_id, p.topic, p.payload, p.qos, p.dup, p.retain,
                           p.packet_id, p.properties, "none", None)
        act = None
        if p.qos == 2:
            seen.answer, seen.reason = "closed", mq.QOS_NOT_SUPPORTED
            act = lambda: self.hang_up("QoS 2 PUBLISH (Maximum QoS is 1)", mq.QOS_NOT_SUPPORTED)
        elif s.silent:
            seen.answer = "silent" if p.qos else "none"
            if p.qos:
                self.unanswered += 1
                with s.lock:
                    self.rec.max_unanswered = max(self.rec.max_unanswered, self.unanswered)
        elif s.close_on_topic and mq.topic_matches(s.close_on_topic, p.topic):
            seen.answer = "closed"
            act = lambda: self.hang_up(f"close_on_topic: PUBLISH to {p.topic}")
        elif s.disconnect_with and n > s.disconnect_with[1]:
            code, after = s.disconnect_with
            seen.answer, seen.reason = "disconnect", code if self.v5 else None
            act = lambda: self.hang_up(f"disconnect_with 0x{code:02x} after {after} publishes", code)
        else:
            code = next((c for f, c in (s.puback_codes or {}).items() if mq.topic_matches(f, p.topic)), 0)
            if self.v5 and p.qos and code == 0:
                with s.lock:
                    if s.quota > 0:
                        s.quota -= 1
                        code = mq.QUOTA_EXCEEDED
            delivered = s._route(p) if code < 0x80 else 0
            if self.v5 and code == 0 and not delivered and s.no_subscribers_code:
                code = mq.NO_MATCHING_SUBSCRIBERS
            if p.qos:
                seen.answer, seen.reason = "puback", code if self.v5 else 0
                act = lambda: self.send(mq.ack(mq.PUBACK, p.packet_id, code, v5=self.v5))
        with s.lock:
            s._publishes.append(seen)
        if act:
            act()

    def on_subscribe(self, packet_id: int, props: dict, filters: list[tuple[str, int]]) -> None:
        sub_id = (props.get("subscription_identifier") or [None])[0]
        granted = []
        for f, options in filters:
            refusal = (self.s.suback_codes or {}).get(f)
            if refusal is not None:
                granted.append(refusal if self.v5 else 0x80)
                continue
            qos = min(options & 3, 1)
            self.subs[f] = (qos, sub_id)
            granted.append(qos)
        with self.s.lock:
            self.s._subscriptions.append((self.rec.client_id, [f for f, _ in filters], sub_id))
        if not self.s.silent:
            self.send(mq.sub_ack(mq.SUBACK, packet_id, granted, v5=self.v5))

    def deliver(self, p: mq.Publish) -> bool:
        matching = [sub for f, sub in self.subs.items() if mq.topic_matches(f, p.topic)]
        if not matching or not self.connected or self.stream.closed:
            return False
        qos = min(p.qos, max(q for q, _ in matching))
        props = dict(p.properties)
        props.pop("subscription_identifier", None)
        ids = [i for _, i in matching if i is not None]
        if self.v5 and ids:
            props["subscription_identifier"] = ids
        out = mq.publish(replace(p, qos=qos, dup=False, packet_id=next(self.next_id) if qos else None,
                                 properties=props if self.v5 else {}), self.v5)
        if self.client_max_packet and len(out) > self.client_max_packet:
            return False  # MQTT 5: the server must not send it
        self.send(out)
        return True


class MqttStandin:
    def __init__(self, *, tls=None, port: int = 0, v5: str = "accept", puback_codes: dict | None = None,
                 suback_codes: dict | None = None, quota: int = 0, close_on_topic: str | None = None, disconnect_with: tuple[int, int] | None = None,
                 silent: bool = False, no_subscribers_code: bool = False, receive_maximum: int | None = None,
                 maximum_packet_size: int | None = None, subscription_identifiers: bool = True,
                 connack_properties: dict | None = None):
        """tls: harness.brokers.TlsFiles (server cert, key, CA; require_certificate
        makes the client certificate mandatory and checked against the CA)."""
        assert v5 in ("accept", "close"), v5
        self.tls = tls
        self.port = port
        self.v5 = v5
        self.puback_codes = puback_codes
        self.suback_codes = suback_codes
        self.quota = quota
        self.close_on_topic = close_on_topic
        self.disconnect_with = disconnect_with
        self.silent = silent
        self.no_subscribers_code = no_subscribers_code
        self.receive_maximum = receive_maximum
        self.maximum_packet_size = maximum_packet_size
        self.subscription_identifiers = subscription_identifiers
        self.connack_properties = connack_properties
        self.lock = threading.Lock()
        self.sessions: set[_Session] = set()
        self._connections: list[ConnectionRecord] = []
        self._publishes: list[PublishSeen] = []
        self._subscriptions: list[tuple[str, list[str], int | None]] = []
        self._acks: list[tuple[str, int, int]] = []
        self._loop: EventLoop | None = None
        self._errors: list[str] = []
        self._listener = None
        self._ctx = None

    # ---- life ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://127.0.0.1:{self.port}"

    @property
    def errors(self) -> list[str]:
        """Exceptions inside the standin (a bug in it); a self-test asserts none."""
        return list(self._errors)

    def start(self) -> "MqttStandin":
        """Listens (again on the same port after a stop: a broker coming back)."""
        if self.tls:
            self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._ctx.load_cert_chain(self.tls.cert_file, self.tls.key_file)
            self._ctx.load_verify_locations(self.tls.ca_file)
            self._ctx.verify_mode = ssl.CERT_REQUIRED if self.tls.require_certificate else ssl.CERT_NONE
        self._listener = listen(self.port)
        self.port = self._listener.getsockname()[1]
        self._loop = EventLoop(f"mqtt-standin:{self.port}").start()
        self._errors = self._loop.errors
        self._loop.call(self._loop.watch, self._listener, READ, self._accept)
        return self

    def stop(self) -> None:
        if not self._loop:
            return
        def close_all():
            self._loop.unwatch(self._listener)
            self._listener.close()
            for session in list(self.sessions):
                session.stream.close("standin stopped")
        self._loop.stop(close_all)
        self._loop = None

    def behave(self, **changes) -> "MqttStandin":
        """Changes behaviours while running, e.g. behave(silent=True, quota=3)."""
        for name in changes:
            if name not in _BEHAVIOURS:
                raise TypeError(f"unknown behaviour {name}; known: {', '.join(_BEHAVIOURS)}")
        def apply():
            for name, value in changes.items():
                setattr(self, name, value)
            for session in self.sessions:
                session.framer.limit = self.maximum_packet_size
        self._loop.call(apply) if self._loop else apply()
        return self

    # ---- acting -----------------------------------------------------------------------------
    def publish(self, topic: str, payload: bytes | str, qos: int = 0, retain: bool = False) -> int:
        """Sends a PUBLISH to every client subscribed to `topic`; returns how many got it."""
        payload = payload.encode() if isinstance(payload, str) else payload
        return self._loop.call(self._route, mq.Publish(topic, payload, qos, retain))

    def drop_connections(self, code: int | None = None) -> int:
        """Hangs up on every client: MQTT 5 clients first get DISCONNECT `code` if given."""
        def drop():
            sessions = list(self.sessions)
            for session in sessions:
                session.hang_up("dropped by the test" + (f" with DISCONNECT 0x{code:02x}" if code else ""), code)
            return len(sessions)
        return self._loop.call(drop)

    # ---- records ------------------------------------------------------------------------------
    def connections(self) -> list[ConnectionRecord]:
        with self.lock:
            return [replace(r) for r in self._connections]

    def publishes(self, topic: str | None = None) -> list[PublishSeen]:
        with self.lock:
            return [p for p in self._publishes if topic is None or mq.topic_matches(topic, p.topic)]

    def subscriptions(self) -> list[tuple[str, list[str], int | None]]:
        """(client id, filters, subscription identifier) per SUBSCRIBE."""
        with self.lock:
            return list(self._subscriptions)

    def acks(self) -> list[tuple[str, int, int]]:
        """(client id, packet id, reason code) per PUBACK received from a client."""
        with self.lock:
            return list(self._acks)

    def wait_publishes(self, count: int, topic: str | None = None, timeout: float = 10.0) -> list[PublishSeen]:
        return wait_until(lambda: (lambda got: got if len(got) >= count else None)(self.publishes(topic)),
                          timeout, what=f"{count} PUBLISH(es){' on ' + topic if topic else ''} at the standin")

    def wait_connections(self, count: int, timeout: float = 10.0, *, closed: bool = False,
                         where=None) -> list[ConnectionRecord]:
        """Waits for `count` accepted connections (closed: that have closed; where: a
        predicate on the ConnectionRecord, e.g. lambda c: c.level == 5)."""
        def enough():
            got = [c for c in self.connections()
                   if (not closed or c.closed_at) and (where is None or where(c))]
            return got if len(got) >= count else None
        return wait_until(enough, timeout, what=f"{count} {'closed ' if closed else ''}connection(s) at the standin")

    # ---- inside ---------------------------------------------------------------------------------
    def _accept(self, _mask) -> None:
        for sock in accept_all(self._listener):
            with self.lock:
                record = ConnectionRecord(len(self._connections) + 1, sock.getpeername(), time.monotonic())
                self._connections.append(record)
            session = _Session(self, record)
            if self._ctx:
                sock = self._ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
            session.stream = Stream(self._loop, sock, session.on_data, session.on_close,
                                    handshake=bool(self._ctx), on_ready=session.on_ready)
            if not session.stream.closed:
                self.sessions.add(session)

    def _route(self, p: mq.Publish) -> int:
        if self.silent:
            return 0
        return sum(1 for session in list(self.sessions) if session.deliver(p))
