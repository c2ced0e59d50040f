"""MQTT 3.1.1 and 5 packets as bytes, for the test peers (mqtt_standin) and
the raw test client (mqtt_raw): the fixed header, variable byte integers,
strings, MQTT 5 properties, and the packets those two need. Properties are
dicts keyed by the names below (the spec's names in snake case); the
repeatable ones (user_property, subscription_identifier) are lists."""
import struct
from dataclasses import dataclass, field

CONNECT, CONNACK, PUBLISH, PUBACK = 1, 2, 3, 4
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK = 8, 9, 10, 11
PINGREQ, PINGRESP, DISCONNECT = 12, 13, 14
TYPE_NAMES = {CONNECT: "CONNECT", CONNACK: "CONNACK", PUBLISH: "PUBLISH", PUBACK: "PUBACK", 5: "PUBREC",
              6: "PUBREL", 7: "PUBCOMP", SUBSCRIBE: "SUBSCRIBE", SUBACK: "SUBACK", UNSUBSCRIBE: "UNSUBSCRIBE",
              UNSUBACK: "UNSUBACK", PINGREQ: "PINGREQ", PINGRESP: "PINGRESP", DISCONNECT: "DISCONNECT", 15: "AUTH"}

# Reason codes the peers use (MQTT 5, section 2.4).
SUCCESS = 0x00
NO_MATCHING_SUBSCRIBERS = 0x10
UNSPECIFIED_ERROR = 0x80
MALFORMED_PACKET = 0x81
PROTOCOL_ERROR = 0x82
IMPLEMENTATION_SPECIFIC_ERROR = 0x83
UNSUPPORTED_PROTOCOL_VERSION = 0x84
NOT_AUTHORIZED = 0x87
SERVER_BUSY = 0x89
TOPIC_NAME_INVALID = 0x90
RECEIVE_MAXIMUM_EXCEEDED = 0x93
PACKET_TOO_LARGE = 0x95
MESSAGE_RATE_TOO_HIGH = 0x96
QUOTA_EXCEEDED = 0x97
QOS_NOT_SUPPORTED = 0x9B

# id: (name, type) -- MQTT 5, section 2.2.2.2
_PROPERTIES = {
    0x01: ("payload_format_indicator", "byte"), 0x02: ("message_expiry_interval", "int4"),
    0x03: ("content_type", "str"), 0x08: ("response_topic", "str"), 0x09: ("correlation_data", "bin"),
    0x0B: ("subscription_identifier", "varint"), 0x11: ("session_expiry_interval", "int4"),
    0x12: ("assigned_client_identifier", "str"), 0x13: ("server_keep_alive", "int2"),
    0x15: ("authentication_method", "str"), 0x16: ("authentication_data", "bin"),
    0x17: ("request_problem_information", "byte"), 0x18: ("will_delay_interval", "int4"),
    0x19: ("request_response_information", "byte"), 0x1A: ("response_information", "str"),
    0x1C: ("server_reference", "str"), 0x1F: ("reason_string", "str"), 0x21: ("receive_maximum", "int2"),
    0x22: ("topic_alias_maximum", "int2"), 0x23: ("topic_alias", "int2"), 0x24: ("maximum_qos", "byte"),
    0x25: ("retain_available", "byte"), 0x26: ("user_property", "pair"), 0x27: ("maximum_packet_size", "int4"),
    0x28: ("wildcard_subscription_available", "byte"), 0x29: ("subscription_identifier_available", "byte"),
    0x2A: ("shared_subscription_available", "byte"),
}
_PROPERTY_IDS = {name: (pid, kind) for pid, (name, kind) in _PROPERTIES.items()}
_REPEATABLE = {"user_property", "subscription_identifier"}


class MalformedPacket(ValueError):
    pass


# ---- primitives ---------------------------------------------------------------
def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    for i in range(4):
        if pos >= len(buf):
            raise MalformedPacket("variable byte integer runs past the packet")
        byte = buf[pos]
        pos += 1
        value += (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise MalformedPacket("variable byte integer longer than 4 bytes")


def string(s: str | bytes) -> bytes:
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(b)) + b


def read_binary(buf: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 2 > len(buf):
        raise MalformedPacket("length runs past the packet")
    (n,) = struct.unpack_from("!H", buf, pos)
    if pos + 2 + n > len(buf):
        raise MalformedPacket("string runs past the packet")
    return bytes(buf[pos + 2:pos + 2 + n]), pos + 2 + n


def read_string(buf: bytes, pos: int) -> tuple[str, int]:
    raw, pos = read_binary(buf, pos)
    try:
        return raw.decode(), pos
    except UnicodeDecodeError:
        raise MalformedPacket("string is not UTF-8") from None


def read_u16(buf: bytes, pos: int) -> tuple[int, int]:
    if pos + 2 > len(buf):
        raise MalformedPacket("packet too short")
    return struct.unpack_from("!H", buf, pos)[0], pos + 2


def properties(props: dict | None) -> bytes:
    """Encodes a property dict (names as in _PROPERTIES) with its length prefix."""
    body = bytearray()
    for name, value in (props or {}).items():
        pid, kind = _PROPERTY_IDS[name]
        for v in (value if name in _REPEATABLE and isinstance(value, list) else [value]):
            body += varint(pid)
            if kind == "byte":
                body.append(v)
            elif kind == "int2":
                body += struct.pack("!H", v)
            elif kind == "int4":
                body += struct.pack("!I", v)
            elif kind == "varint":
                body += varint(v)
            elif kind in ("str", "bin"):
                body += string(v)
            else:  # pair
                body += string(v[0]) + string(v[1])
    return varint(len(body)) + bytes(body)


def read_properties(buf: bytes, pos: int) -> tuple[dict, int]:
    length, pos = read_varint(buf, pos)
    end = pos + length
    if end > len(buf):
        raise MalformedPacket("properties run past the packet")
    props: dict = {}
    while pos < end:
        pid, pos = read_varint(buf, pos)
        if pid not in _PROPERTIES:
            raise MalformedPacket(f"unknown property 0x{pid:02x}")
        name, kind = _PROPERTIES[pid]
        if kind == "byte":
            value, pos = buf[pos], pos + 1
        elif kind == "int2":
            value, pos = read_u16(buf, pos)
        elif kind == "int4":
            value, pos = struct.unpack_from("!I", buf, pos)[0], pos + 4
        elif kind == "varint":
            value, pos = read_varint(buf, pos)
        elif kind == "str":
            value, pos = read_string(buf, pos)
        elif kind == "bin":
            value, pos = read_binary(buf, pos)
        else:
            k, pos = read_string(buf, pos)
            v, pos = read_string(buf, pos)
            value = (k, v)
        if name in _REPEATABLE:
            props.setdefault(name, []).append(value)
        elif name in props:
            raise MalformedPacket(f"property {name} twice")
        else:
            props[name] = value
    if pos != end:
        raise MalformedPacket("properties overrun their length")
    return props, pos


def packet(ptype: int, body: bytes, flags: int = 0) -> bytes:
    return bytes([ptype << 4 | flags]) + varint(len(body)) + body


# ---- framing ----------------------------------------------------------------------
@dataclass
class Packet:
    type: int
    flags: int
    body: bytes
    size: int  # the whole packet, fixed header included

    @property
    def name(self) -> str:
        return TYPE_NAMES.get(self.type, f"type {self.type}")


class PacketTooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(f"packet of {size} bytes")
        self.size = size


class Framer:
    """Cuts a byte stream into packets. With `limit` set, a packet whose size
    (fixed header included) exceeds it stops the framing as soon as its header
    is read, before its body arrives: the packets before it are returned, and
    `error` holds PacketTooLarge (or MalformedPacket for a broken length)."""

    def __init__(self, limit: int | None = None):
        self.buf = bytearray()
        self.limit = limit
        self.error: Exception | None = None

    def feed(self, data: bytes) -> list[Packet]:
        self.buf += data
        out = []
        while len(self.buf) >= 2 and not self.error:
            try:
                length, pos = read_varint(self.buf, 1)
            except MalformedPacket as e:
                if len(self.buf) >= 5:
                    self.error = e
                break  # length not complete yet
            size = pos + length
            if self.limit and size > self.limit:
                self.error = PacketTooLarge(size)
                break
            if len(self.buf) < size:
                break
            out.append(Packet(self.buf[0] >> 4, self.buf[0] & 0x0F, bytes(self.buf[pos:size]), size))
            del self.buf[:size]
        return out


# ---- packets ------------------------------------------------------------------------------
@dataclass
class Connect:
    protocol_name: str
    level: int  # 3 = 3.1, 4 = 3.1.1, 5 = 5
    clean: bool
    keepalive: int
    client_id: str
    properties: dict = field(default_factory=dict)
    username: str | None = None
    password: bytes | None = None
    will_topic: str | None = None


def parse_connect(body: bytes) -> Connect:
    name, pos = read_string(body, 0)
    if pos + 4 > len(body):
        raise MalformedPacket("CONNECT too short")
    level, flags = body[pos], body[pos + 1]
    (keepalive,) = struct.unpack_from("!H", body, pos + 2)
    pos += 4
    props: dict = {}
    if level == 5:
        props, pos = read_properties(body, pos)
    client_id, pos = read_string(body, pos)
    c = Connect(name, level, bool(flags & 0x02), keepalive, client_id, props)
    if flags & 0x04:  # will
        if level == 5:
            _, pos = read_properties(body, pos)
        c.will_topic, pos = read_string(body, pos)
        _, pos = read_binary(body, pos)
    if flags & 0x80:
        c.username, pos = read_string(body, pos)
    if flags & 0x40:
        c.password, pos = read_binary(body, pos)
    return c


def connect(client_id: str, *, level: int = 4, clean: bool = True, keepalive: int = 30,
            props: dict | None = None, username: str | None = None) -> bytes:
    flags = (0x02 if clean else 0) | (0x80 if username is not None else 0)
    body = string("MQTT") + bytes([level, flags]) + struct.pack("!H", keepalive)
    if level == 5:
        body += properties(props)
    body += string(client_id)
    if username is not None:
        body += string(username)
    return packet(CONNECT, body)


def connack(code: int, *, v5: bool, session_present: bool = False, props: dict | None = None) -> bytes:
    body = bytes([1 if session_present else 0, code])
    if v5:
        body += properties(props)
    return packet(CONNACK, body)


def parse_connack(body: bytes, v5: bool) -> tuple[bool, int, dict]:
    if len(body) < 2:
        raise MalformedPacket("CONNACK too short")
    props = read_properties(body, 2)[0] if v5 and len(body) > 2 else {}
    return bool(body[0] & 1), body[1], props


@dataclass
class Publish:
    topic: str
    payload: bytes
    qos: int
    retain: bool = False
    dup: bool = False
    packet_id: int | None = None
    properties: dict = field(default_factory=dict)


def parse_publish(flags: int, body: bytes, v5: bool) -> Publish:
    qos = (flags >> 1) & 3
    if qos == 3:
        raise MalformedPacket("PUBLISH with QoS 3")
    topic, pos = read_string(body, 0)
    packet_id = None
    if qos:
        packet_id, pos = read_u16(body, pos)
    props: dict = {}
    if v5:
        props, pos = read_properties(body, pos)
    return Publish(topic, bytes(body[pos:]), qos, bool(flags & 1), bool(flags & 8), packet_id, props)


def publish(p: Publish, v5: bool) -> bytes:
    body = string(p.topic)
    if p.qos:
        body += struct.pack("!H", p.packet_id)
    if v5:
        body += properties(p.properties)
    flags = (8 if p.dup else 0) | (p.qos << 1) | (1 if p.retain else 0)
    return packet(PUBLISH, body + p.payload, flags)


def ack(ptype: int, packet_id: int, code: int = SUCCESS, *, v5: bool, props: dict | None = None) -> bytes:
    """PUBACK (or PUBREC...): on MQTT 5 the reason code is left out when it is 0
    and there are no properties, as Mosquitto and the spec's short form do."""
    body = struct.pack("!H", packet_id)
    if v5 and (code or props):
        body += bytes([code])
        if props:
            body += properties(props)
    return packet(ptype, body)


def parse_ack(body: bytes, v5: bool) -> tuple[int, int, dict]:
    packet_id, pos = read_u16(body, 0)
    code, props = SUCCESS, {}
    if v5 and len(body) > 2:
        code = body[2]
        if len(body) > 3:
            props = read_properties(body, 3)[0]
    return packet_id, code, props


def parse_subscribe(body: bytes, v5: bool) -> tuple[int, dict, list[tuple[str, int]]]:
    packet_id, pos = read_u16(body, 0)
    props: dict = {}
    if v5:
        props, pos = read_properties(body, pos)
    filters = []
    while pos < len(body):
        f, pos = read_string(body, pos)
        if pos >= len(body):
            raise MalformedPacket("SUBSCRIBE filter without options")
        filters.append((f, body[pos]))
        pos += 1
    if not filters:
        raise MalformedPacket("SUBSCRIBE without a filter")
    return packet_id, props, filters


def subscribe(packet_id: int, filters: list[tuple[str, int]], *, v5: bool, props: dict | None = None) -> bytes:
    body = struct.pack("!H", packet_id) + (properties(props) if v5 else b"")
    for f, options in filters:
        body += string(f) + bytes([options])
    return packet(SUBSCRIBE, body, 0x02)


def parse_unsubscribe(body: bytes, v5: bool) -> tuple[int, list[str]]:
    packet_id, pos = read_u16(body, 0)
    if v5:
        _, pos = read_properties(body, pos)
    filters = []
    while pos < len(body):
        f, pos = read_string(body, pos)
        filters.append(f)
    return packet_id, filters


def unsubscribe(packet_id: int, filters: list[str], *, v5: bool) -> bytes:
    body = struct.pack("!H", packet_id) + (properties(None) if v5 else b"")
    return packet(UNSUBSCRIBE, body + b"".join(string(f) for f in filters), 0x02)


def sub_ack(ptype: int, packet_id: int, codes: list[int], *, v5: bool) -> bytes:
    """SUBACK, or UNSUBACK (which carries codes on MQTT 5 only)."""
    body = struct.pack("!H", packet_id)
    if v5:
        body += properties(None) + bytes(codes)
    elif ptype == SUBACK:
        body += bytes(codes)
    return packet(ptype, body)


def parse_sub_ack(body: bytes, v5: bool) -> tuple[int, list[int]]:
    packet_id, pos = read_u16(body, 0)
    if v5:
        _, pos = read_properties(body, pos)
    return packet_id, list(body[pos:])


def disconnect(code: int = SUCCESS, *, v5: bool, props: dict | None = None) -> bytes:
    """DISCONNECT; on MQTT 5 with a reason code, as Mosquitto sends it (no
    property length when there are no properties)."""
    if not v5 or (code == SUCCESS and not props):
        return packet(DISCONNECT, b"")
    return packet(DISCONNECT, bytes([code]) + (properties(props) if props else b""))


def parse_disconnect(body: bytes) -> tuple[int, dict]:
    if not body:
        return SUCCESS, {}
    return body[0], (read_properties(body, 1)[0] if len(body) > 1 else {})


PINGREQ_BYTES = packet(PINGREQ, b"")
PINGRESP_BYTES = packet(PINGRESP, b"")


def topic_matches(filt: str, topic: str) -> bool:
    """MQTT topic filter matching (+, #), with the rule that wildcards at the
    first level do not match topics starting with $."""
    if topic.startswith("$") and filt[:1] in ("+", "#"):
        return False
    f_parts, t_parts = filt.split("/"), topic.split("/")
    for i, f in enumerate(f_parts):
        if f == "#":
            return True
        if i >= len(t_parts) or (f != "+" and f != t_parts[i]):
            return False
    return len(f_parts) == len(t_parts)
