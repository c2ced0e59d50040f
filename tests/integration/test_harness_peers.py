"""Self-tests of the test peers that stand in for a cloud that refuses,
throttles and disconnects (issue 11): MqttStandin, TcpProxy,
SilentTlsRefuser, and the Mosquitto options (ACL reloaded on SIGHUP,
max_packet_size, message_size_limit). Each peer is checked with clients that
are not ours -- paho-mqtt (harness/mqtt.py), libmosquitto's mosquitto_pub --
and, where a real broker can answer the same question, against Mosquitto
2.0.11 itself, so a broken peer fails here and not in a gateway test."""
import gc
import os
import socket
import ssl
import subprocess
import threading

import paho.mqtt.client as paho
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from harness import mqtt_codec as mq
from harness.brokers import Mosquitto, TlsFiles
from harness.certs import CertificateAuthority
from harness.mqtt import Client
from harness.mqtt_raw import ConnectionClosed, RawClient
from harness.mqtt_standin import MqttStandin
from harness.net import free_port, wait_until
from harness.tcp_proxy import TcpProxy
from harness.tls_refuser import SilentTlsRefuser

ABSENT = 0.5  # how long a test waits to see that something does NOT arrive


@pytest.fixture(autouse=True)
def nothing_left_behind():
    """Every peer stops cleanly: no thread and no socket outlives the test."""
    threads = set(threading.enumerate())
    fds = len(os.listdir("/proc/self/fd"))
    yield
    wait_until(lambda: set(threading.enumerate()) <= threads, 10, what="the test's threads to end")
    wait_until(lambda: gc.collect() is not None and len(os.listdir("/proc/self/fd")) <= fds, 10,
               what="the test's sockets to close")


@pytest.fixture
def standin():
    peers = []

    def make(**kw) -> MqttStandin:
        peers.append(MqttStandin(**kw).start())
        return peers[-1]
    yield make
    for p in peers:
        errors = p.errors
        p.stop()
        assert errors == [], errors


class Paho:
    """A paho client that keeps what the harness Client does not: CONNACK
    properties, DISCONNECT callbacks, message properties."""

    def __init__(self, port: int, *, v5: bool = True, tls=None, client_id: str = "paho"):
        self.c = paho.Client(client_id=client_id, protocol=paho.MQTTv5 if v5 else paho.MQTTv311)
        if tls:
            self.c.tls_set(ca_certs=tls.ca_file, certfile=tls.cert_file, keyfile=tls.key_file,
                           tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.port = port
        self.connack = None
        self.disconnects = []
        self.messages = []
        self.connected = threading.Event()
        self.gone = threading.Event()
        self.c.on_connect = self._on_connect
        self.c.on_disconnect = self._on_disconnect
        self.c.on_message = lambda c, u, m: self.messages.append(m)

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connack = (rc, properties)
        self.connected.set()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        self.disconnects.append(rc)
        self.gone.set()

    def start(self) -> "Paho":
        self.c.connect("127.0.0.1", self.port, keepalive=30)
        self.c.loop_start()
        return self

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def mosquitto_pub(port: int, topic: str, *args: str) -> str:
    """libmosquitto's own client (-d prints the reason codes it received)."""
    r = subprocess.run(["mosquitto_pub", "-V", "5", "-h", "127.0.0.1", "-p", str(port), "-t", topic,
                        "-m", "hi", "-q", "1", "-d", *args], capture_output=True, text=True, timeout=20)
    return r.stdout + r.stderr


# ---- MqttStandin --------------------------------------------------------------------------------
def test_standin_routes_qos0_and_qos1_between_paho_clients_on_311_and_5(standin):
    s = standin()
    sub = Client(s.port, v5=True, client_id="sub5").connect().subscribe("t/#")
    old = Client(s.port, client_id="pub311").connect().subscribe("back/#")
    old.publish("t/a", "qos1 from 3.1.1", qos=1)
    old.publish("t/b", "qos0 from 3.1.1", qos=0)
    sub.publish("back/c", "qos1 from 5", qos=1)
    assert [m.text for m in sub.wait_for(2)] == ["qos1 from 3.1.1", "qos0 from 3.1.1"]
    assert [(m.topic, m.qos) for m in old.wait_for(1)] == [("back/c", 1)]
    unsubscribed = threading.Event()
    old.c.on_unsubscribe = lambda *a: unsubscribed.set()
    old.c.unsubscribe("back/#")
    assert unsubscribed.wait(10)
    sub.publish("back/d", "nobody", qos=1)
    sub.close()
    old.close()
    closed = s.wait_connections(2, closed=True)
    assert [(c.level, c.client_id, c.why) for c in closed] == [(5, "sub5", "client DISCONNECT"),
                                                               (4, "pub311", "client DISCONNECT")]
    def seen(client_id):
        return [(p.topic, p.qos, p.dup, p.packet_id is not None, p.answer, p.reason)
                for p in s.publishes() if p.client_id == client_id]
    assert seen("pub311") == [("t/a", 1, False, True, "puback", 0), ("t/b", 0, False, False, "none", None)]
    assert seen("sub5") == [("back/c", 1, False, True, "puback", 0), ("back/d", 1, False, True, "puback", 0)]
    assert old.received("back/d") == []
    assert [f for _, f, _ in s.subscriptions()] == [["t/#"], ["back/#"]]


def test_standin_connack_announces_the_mqtt5_limits_it_is_given(standin):
    s = standin(receive_maximum=7, maximum_packet_size=4096, subscription_identifiers=False)
    p = Paho(s.port).start()
    assert p.connected.wait(10)
    rc, props = p.connack
    assert rc == 0
    assert (props.ReceiveMaximum, props.MaximumPacketSize, props.SubscriptionIdentifierAvailable,
            props.MaximumQoS) == (7, 4096, 0, 1)
    p.close()
    with RawClient(s.port) as raw:  # an empty client id gets one assigned
        assert raw.connect("", level=5)[2]["assigned_client_identifier"] == "standin-2"
        raw.ping()
    assert s.wait_connections(2, closed=True)[1].pings == 1


def test_standin_v5_close_is_a_311_only_broker_that_hangs_up_on_mqtt5(standin):
    s = standin(v5="close")
    p = Paho(s.port, v5=True).start()
    assert p.gone.wait(10)
    p.close()
    assert p.connack is None
    with RawClient(s.port) as raw:
        with pytest.raises(ConnectionClosed):
            raw.connect("raw5", level=5)
        assert raw.received == []  # no CONNACK, no DISCONNECT: the socket closed
    ok = Client(s.port, client_id="old").connect()
    ok.publish("a/b", "3.1.1 is fine")
    ok.close()
    records = s.wait_connections(3, closed=True)
    assert [(c.level, c.connacked) for c in records] == [(5, False), (5, False), (4, True)]
    assert records[0].why == "MQTT 5 CONNECT: closed by a 3.1.1-only broker"


def test_standin_puback_codes_and_quota_reach_libmosquitto_and_paho_delivery_stops(standin):
    s = standin(puback_codes={"bad/#": mq.NOT_AUTHORIZED})
    watcher = Client(s.port, client_id="watch").connect().subscribe("#")
    out = mosquitto_pub(s.port, "bad/x")
    assert "received PUBACK (Mid: 1, RC:135)" in out and "Not authorized" in out, out
    s.behave(quota=2)
    with RawClient(s.port) as raw:
        raw.connect("quota5")
        assert [raw.publish_acked("ok/1")[0], raw.publish_acked("ok/2")[0], raw.publish_acked("ok/3")[0]] == \
            [mq.QUOTA_EXCEEDED, mq.QUOTA_EXCEEDED, mq.SUCCESS]
    with RawClient(s.port) as raw:  # 3.1.1: a plain PUBACK, and the message is dropped
        raw.connect("old", level=4)
        raw.publish("bad/y", "dropped")
        assert raw.expect(mq.PUBACK).body == b"\x00\x01"
        raw.publish("ok/4", "kept")
        raw.expect(mq.PUBACK)
    assert [m.topic for m in watcher.wait_for(2)] == ["ok/3", "ok/4"]
    watcher.close()
    assert [(p.topic, p.reason) for p in s.publishes()] == [
        ("bad/x", 0x87), ("ok/1", 0x97), ("ok/2", 0x97), ("ok/3", 0), ("bad/y", 0), ("ok/4", 0)]


def test_standin_close_on_topic_drops_the_connection_without_a_puback(standin):
    s = standin(close_on_topic="deny/#")
    c = Paho(s.port, v5=False, client_id="aws311").start()
    assert c.connected.wait(10)
    info = c.c.publish("deny/x", "refused by policy", qos=1)
    assert c.gone.wait(10)
    assert not info.is_published()
    c.close()
    with RawClient(s.port) as raw:
        raw.connect("raw311", level=4)
        raw.publish("deny/y", "x")
        assert [p.name for p in raw.wait_closed()] == []  # EOF, nothing before it
    seen = s.publishes()
    assert [(p.client_id, p.topic, p.answer) for p in seen] == [("aws311", "deny/x", "closed"),
                                                                ("raw311", "deny/y", "closed")]
    assert s.wait_connections(2, closed=True)[0].why == "close_on_topic: PUBLISH to deny/x"


def test_standin_disconnect_with_sends_the_reason_code_after_n_publishes(standin):
    s = standin(disconnect_with=(mq.MESSAGE_RATE_TOO_HIGH, 2))
    out = mosquitto_pub(s.port, "rate/x", "--repeat", "3")
    assert out.count("received PUBACK (Mid: ") == 2 and "Received DISCONNECT (150)" in out, out
    with RawClient(s.port) as raw:
        raw.connect("raw5")
        assert raw.publish_acked("rate/1")[0] == 0 and raw.publish_acked("rate/2")[0] == 0
        raw.publish("rate/3")
        assert raw.disconnect_reason() == 0x96
        assert raw.received[-1].body == b"\x96"  # like Mosquitto: no property length without properties
    with RawClient(s.port) as raw:  # 3.1.1 has no server DISCONNECT: just the close
        raw.connect("raw311", level=4)
        raw.publish_acked("rate/1")
        raw.publish_acked("rate/2")
        raw.publish("rate/3")
        assert raw.disconnect_reason() is None
    assert [p.answer for p in s.publishes()] == ["puback", "puback", "disconnect"] * 3
    closed = s.wait_connections(3, closed=True)
    assert {c.why for c in closed} == {"disconnect_with 0x96 after 2 publishes"}


def test_standin_silent_answers_nothing_and_keeps_the_socket_open(standin):
    s = standin()
    with RawClient(s.port) as raw:
        raw.connect("quiet")
        raw.ping()
        s.behave(silent=True)
        raw.send(mq.PINGREQ_BYTES)
        for i in range(3):
            raw.publish(f"q/{i}")
        with pytest.raises(TimeoutError):
            raw.read(ABSENT)
        with RawClient(s.port) as late:  # a new connection gets no CONNACK either
            late.send(mq.connect("late", level=5))
            with pytest.raises(TimeoutError):
                late.read(ABSENT)
        s.wait_publishes(3)
        record = s.connections()[0]
        assert record.closed_at is None and record.max_unanswered == 3 and record.pings == 2
        s.behave(silent=False)
        raw.ping()
    assert [p.answer for p in s.publishes()] == ["silent"] * 3


def test_standin_publishes_to_subscribers_with_subscription_identifiers(standin):
    s = standin()
    p = Paho(s.port, client_id="cmd5").start()
    assert p.connected.wait(10)
    props = Properties(PacketTypes.SUBSCRIBE)
    props.SubscriptionIdentifier = 7
    subscribed = threading.Event()
    p.c.on_subscribe = lambda *a: subscribed.set()
    p.c.subscribe("cmd/#", qos=1, properties=props)
    assert subscribed.wait(10)
    old = Client(s.port, client_id="cmd311").connect().subscribe("cmd/#")
    assert s.publish("cmd/shade", "close", qos=1) == 2
    wait_until(lambda: p.messages, 10, what="the command at paho v5")
    assert (p.messages[0].topic, p.messages[0].payload, p.messages[0].qos) == ("cmd/shade", b"close", 1)
    assert p.messages[0].properties.SubscriptionIdentifier == [7]
    assert old.wait_for(1)[0].text == "close"
    wait_until(lambda: len(s.acks()) == 2, 10, what="both PUBACKs at the standin")
    assert sorted(a[0] for a in s.acks()) == ["cmd311", "cmd5"]
    assert s.subscriptions()[0] == ("cmd5", ["cmd/#"], 7)
    p.close()
    old.close()


def publish_of_size(size: int, v5: bool) -> bytes:
    """A QoS 1 PUBLISH to "t" that is `size` bytes long, fixed header included."""
    empty = len(mq.publish(mq.Publish("t", b"", 1, packet_id=1), v5)) + 1  # the length takes 2 bytes here
    data = mq.publish(mq.Publish("t", b"x" * (size - empty), 1, packet_id=1), v5)
    assert len(data) == size
    return data


def test_standin_refuses_a_packet_over_its_maximum_packet_size_with_0x95(standin):
    s = standin(maximum_packet_size=200)
    with RawClient(s.port) as raw:
        raw.connect("big")
        raw.send(publish_of_size(200, True) + publish_of_size(201, True))  # in one write
        puback, disconnect = raw.wait_closed()
        assert (puback.name, mq.parse_ack(puback.body, True)[1]) == ("PUBACK", mq.SUCCESS)
        assert (disconnect.name, mq.parse_disconnect(disconnect.body)[0]) == ("DISCONNECT", mq.PACKET_TOO_LARGE)
    assert s.wait_connections(1, closed=True)[0].why == "packet too large (201 bytes)"


def test_standin_over_tls_wants_a_client_certificate_from_its_ca(standin, pki, tmp_path):
    s = standin(tls=pki.server_files())
    good = Client(s.port, tls=pki.observer_files(), client_id="obs").connect()
    good.publish("a/b", "over TLS")
    good.close()
    rogue = CertificateAuthority(str(tmp_path / "rogue"), "rogue CA")
    stranger = rogue.issue("stranger", "observer")
    with pytest.raises((ssl.SSLError, ConnectionResetError, ConnectionClosed)):
        with RawClient(s.port, tls=TlsFiles(pki.ca.ca_file, stranger.cert, stranger.key)) as raw:
            raw.connect()  # TLS 1.3: the client's handshake ends before the server checks its certificate
    records = s.wait_connections(2, closed=True)
    assert records[0].cert_cn == "observer" and records[0].client_id == "obs"
    assert records[1].why.startswith("TLS handshake failed")
    assert s.publishes()[0].text == "over TLS"


def test_standin_drop_connections_hangs_up_with_a_server_disconnect_on_mqtt5(standin):
    s = standin()
    with RawClient(s.port) as v5, RawClient(s.port) as v4:
        v5.connect("v5")
        v4.connect("v4", level=4)
        assert s.drop_connections(0x8B) == 2  # server shutting down
        assert v5.disconnect_reason() == 0x8B
        assert v4.disconnect_reason() is None
    assert {c.why for c in s.wait_connections(2, closed=True)} == {"dropped by the test with DISCONNECT 0x8b"}


def test_standin_stops_cleanly_and_comes_back_on_the_same_port(standin):
    s = standin()
    c = Client(s.port, client_id="stays").connect()
    port = s.port
    s.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)
    assert s.connections()[0].why == "standin stopped"
    s.start()
    assert s.port == port
    wait_until(lambda: c.connected.is_set(), 15, what="paho to reconnect")
    c.close()


# ---- TcpProxy ----------------------------------------------------------------------------------------
@pytest.fixture
def proxy(cloud_broker):
    p = TcpProxy(cloud_broker.port).start()
    yield p
    errors = p.errors
    p.stop()
    assert errors == [], errors


def test_proxy_carries_tls_end_to_end_and_counts(proxy, cloud_broker, pki):
    direct = Client(cloud_broker.port, tls=pki.observer_files(), client_id="direct").connect().subscribe("p/#")
    through = Client(proxy.port, tls=pki.observer_files(), client_id="through").connect().subscribe("d/#")
    through.publish("p/1", "up")
    direct.publish("d/1", "down")
    assert direct.wait_for(1)[0].text == "up" and through.wait_for(1)[0].text == "down"
    stats = proxy.stats()
    assert (stats.accepted, stats.open) == (1, 1) and stats.bytes_up > 500 and stats.bytes_down > 500
    through.close()
    direct.close()
    proxy.wait_open(0)


def test_proxy_pause_holds_both_directions_with_the_sockets_open(proxy, cloud_broker, pki):
    direct = Client(cloud_broker.port, tls=pki.observer_files(), client_id="direct").connect().subscribe("p/#")
    through = Client(proxy.port, tls=pki.observer_files(), client_id="through").connect().subscribe("d/#")
    proxy.pause()
    before = proxy.stats()
    info = through.publish("p/held", "waits", wait=False)
    direct.publish("d/held", "waits too")
    with pytest.raises(TimeoutError):
        direct.wait_for(1, timeout=ABSENT)
    assert through.received() == [] and not info.is_published()
    after = proxy.stats()
    assert (after.bytes_up, after.bytes_down, after.open) == (before.bytes_up, before.bytes_down, 1)
    assert "through closed" not in cloud_broker.log_text() and through.connected.is_set()
    proxy.resume()
    assert direct.wait_for(1)[0].text == "waits" and through.wait_for(1)[0].text == "waits too"
    info.wait_for_publish(10)
    through.close()
    direct.close()


def test_proxy_drop_all_cuts_every_connection(proxy, cloud_broker, pki):
    a = Client(proxy.port, tls=pki.observer_files(), client_id="a").connect()
    b = Paho(proxy.port, v5=False, tls=pki.observer_files(), client_id="b").start()
    assert b.connected.wait(10)
    proxy.wait_open(2)
    b.connected.clear()
    assert proxy.drop_all() == 2
    assert b.gone.wait(10)
    cloud_broker.wait_log("Client a closed its connection")
    cloud_broker.wait_log("Client b closed its connection")
    # paho reconnects by itself (closing it halfway through a reconnect would leave its socket open)
    assert b.connected.wait(10) and a.connected.wait(10)
    assert proxy.wait_open(2).accepted == 4
    b.close()
    a.close()
    proxy.wait_open(0)
    for reset in (False, True):
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as plain:
            proxy.wait_open(1)
            assert proxy.drop_all(reset=reset) == 1
            if reset:
                with pytest.raises(ConnectionResetError):
                    plain.recv(100)
            else:
                assert plain.recv(100) == b""


def test_proxy_refuse_makes_new_connections_fail_and_keeps_old_ones(proxy, cloud_broker, pki):
    direct = Client(cloud_broker.port, tls=pki.observer_files(), client_id="direct").connect().subscribe("p/#")
    old = Client(proxy.port, tls=pki.observer_files(), client_id="old").connect()
    proxy.refuse(True)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    old.publish("p/1", "still through")
    assert direct.wait_for(1)[0].text == "still through"
    proxy.refuse(False)
    new = Client(proxy.port, tls=pki.observer_files(), client_id="new").connect()
    new.publish("p/2", "new through")
    direct.wait_for(2)
    assert proxy.stats().accepted == 2
    for c in (new, old, direct):
        c.close()


def test_proxy_to_a_backend_that_is_down_closes_the_client():
    proxy = TcpProxy(free_port()).start()  # nothing listens there
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as plain:
            assert plain.recv(100) == b""
        stats = proxy.wait_connections(1)
        assert (stats.backend_failures, stats.open) == (1, 0)
        assert proxy.errors == []
    finally:
        proxy.stop()


# ---- SilentTlsRefuser -----------------------------------------------------------------------------------
@pytest.fixture
def refuser(local_broker, pki):
    peers = []

    def make(**kw) -> SilentTlsRefuser:
        peers.append(SilentTlsRefuser(pki.server_files(), local_broker.port, {"observer"}, **kw).start())
        return peers[-1]
    yield make
    for p in peers:
        errors = p.errors
        p.stop()
        assert errors == [], errors


def test_refuser_forwards_an_allowed_certificate_to_the_plain_broker(refuser, local_broker, pki):
    r = refuser()
    c = Client(r.port, tls=pki.observer_files(), client_id="obs").connect().subscribe("x/#")
    local = Client(local_broker.port, client_id="local").connect()
    local.publish("x/1", "through the plain broker")
    assert c.wait_for(1)[0].text == "through the plain broker"
    c.close()
    local.close()
    assert [(a.cn, a.outcome) for a in r.wait_attempts(1)] == [("observer", "forwarded")]


def tls_client_socket(port: int, cert=None, key=None, ca=None) -> ssl.SSLSocket:
    """A TLS client that tells an EOF without close_notify (SSLEOFError, or an SSLError
    UNEXPECTED_EOF_WHILE_READING) from a clean one after a close_notify alert (b"")."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF  # Python sets it: an EOF would look like a close_notify
    ctx.load_verify_locations(ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="127.0.0.1",
                           suppress_ragged_eofs=False)


@pytest.mark.parametrize("tls_version", [None, "1.2"])
def test_refuser_completes_the_handshake_then_closes_without_alert_or_data(refuser, pki, tmp_path, tls_version):
    r = refuser(max_tls_version=tls_version)
    rogue = CertificateAuthority(str(tmp_path / "rogue"), "rogue CA").issue("stranger", "stranger")
    shown = [(pki.gateway.cert, pki.gateway.key), (rogue.cert, rogue.key), (None, None)]
    for cert, key in shown:
        tls = tls_client_socket(r.port, cert, key, pki.ca.ca_file)  # the handshake completes
        assert tls.version() == ("TLSv1.2" if tls_version else "TLSv1.3")
        try:
            tls.sendall(mq.connect("gw", level=4))
            got = tls.recv(100)  # b"": a close_notify alert; other alerts raise SSLError
        except ssl.SSLError as e:  # an alert would name itself here
            eof = isinstance(e, ssl.SSLEOFError) or e.reason == "UNEXPECTED_EOF_WHILE_READING"
            got = "TCP close, no alert" if eof else str(e)
        except (ConnectionResetError, BrokenPipeError):
            got = "TCP reset (the CONNECT was still unread)"
        finally:
            tls.close()
        assert got in ("TCP close, no alert", "TCP reset (the CONNECT was still unread)")
    attempts = r.wait_attempts(3)
    assert [(a.cn, a.outcome) for a in attempts] == [("test-gw", "refused"), ("stranger", "refused"),
                                                     (None, "refused")]


def test_refuser_is_what_paho_sees_as_a_dead_connection(refuser, pki):
    r = refuser()
    p = Paho(r.port, v5=False, tls=TlsFiles(pki.ca.ca_file, pki.gateway.cert, pki.gateway.key)).start()
    assert p.gone.wait(10)
    p.close()
    assert p.connack is None
    r.allow("observer", "test-gw")
    ok = Client(r.port, tls=TlsFiles(pki.ca.ca_file, pki.gateway.cert, pki.gateway.key), client_id="gw").connect()
    ok.close()
    assert r.attempts()[-1].outcome == "forwarded"


# ---- Mosquitto 2.0.11: ACL, max_packet_size, message_size_limit ------------------------------------------
ACL = {"test-gw": ["write site1/ok/#"], "observer": ["read #"]}


@pytest.fixture
def acl_cloud(tmp_path, pki):
    broker = Mosquitto(str(tmp_path), "cloud", tls=pki.server_files(), acl=ACL, message_size_limit=100).start()
    yield broker
    broker.stop()


def gateway_files(pki) -> TlsFiles:
    return TlsFiles(pki.ca.ca_file, pki.gateway.cert, pki.gateway.key)


def test_mosquitto_acl_denied_publish_gets_0x87_on_mqtt5_and_a_plain_puback_on_311(acl_cloud, pki, standin):
    observer = Client(acl_cloud.port, tls=pki.observer_files(), client_id="obs").connect().subscribe("site1/#")
    with RawClient(acl_cloud.port, tls=gateway_files(pki)) as gw5:
        gw5.connect("gw5")
        assert gw5.publish_acked("site1/ok/a", "allowed")[0] == mq.SUCCESS
        assert gw5.publish_acked("site1/bad/a", "denied")[0] == mq.NOT_AUTHORIZED
        denied_bytes = gw5.received[-1]
        assert gw5.subscribe("site1/#") == [1]  # Mosquitto grants a SUBSCRIBE the ACL gives no read for
    with RawClient(acl_cloud.port, tls=gateway_files(pki)) as gw4:
        gw4.connect("gw4", level=4)
        assert gw4.publish_acked("site1/bad/b", "denied, acked")[0] == mq.SUCCESS
        assert gw4.received[-1].body == b"\x00\x01"
    assert [m.text for m in observer.wait_for(1)] == ["allowed"]
    with pytest.raises(TimeoutError):
        observer.wait_for(2, timeout=ABSENT)
    observer.close()
    # The stand-in answers a refused publish with the very same bytes.
    s = standin(puback_codes={"site1/bad/#": mq.NOT_AUTHORIZED})
    with RawClient(s.port) as raw:
        raw.connect("gw5")
        raw.publish_acked("site1/ok/a", "allowed")
        raw.publish_acked("site1/bad/a", "denied")  # packet id 2, as above
        assert raw.received[-1] == denied_bytes


def test_mosquitto_acl_reload_on_sighup_applies_to_open_connections(acl_cloud, pki):
    with RawClient(acl_cloud.port, tls=gateway_files(pki)) as gw:
        gw.connect("gw5")
        assert gw.publish_acked("site1/later/a")[0] == mq.NOT_AUTHORIZED
        acl_cloud.set_acl({"test-gw": ["write site1/#"], "observer": ["read #"]})
        assert gw.publish_acked("site1/later/b")[0] == mq.NO_MATCHING_SUBSCRIBERS  # allowed now
        acl_cloud.set_acl(ACL)
        assert gw.publish_acked("site1/later/c")[0] == mq.NOT_AUTHORIZED
        assert acl_cloud.running() and "Reloading config." in acl_cloud.log_text()


def test_mosquitto_message_size_limit_gets_0x95_on_mqtt5_and_is_dropped_on_311(acl_cloud, pki):
    observer = Client(acl_cloud.port, tls=pki.observer_files(), client_id="obs").connect().subscribe("site1/#")
    with RawClient(acl_cloud.port, tls=gateway_files(pki)) as gw5:
        gw5.connect("gw5")
        assert gw5.publish_acked("site1/ok/a", b"x" * 101)[0] == mq.PACKET_TOO_LARGE  # not 0x83 as the man page says
        assert gw5.publish_acked("site1/ok/a", b"x" * 100)[0] == mq.SUCCESS
        gw5.ping()  # still connected
    with RawClient(acl_cloud.port, tls=gateway_files(pki)) as gw4:
        gw4.connect("gw4", level=4)
        assert gw4.publish_acked("site1/ok/b", b"y" * 101)[0] == mq.SUCCESS
    assert [len(m.payload) for m in observer.wait_for(1)] == [100]
    with pytest.raises(TimeoutError):
        observer.wait_for(2, timeout=ABSENT)
    observer.close()


def test_mosquitto_max_packet_size_is_announced_and_enforced_with_two_bytes_of_slack(tmp_path, pki):
    broker = Mosquitto(str(tmp_path), "cloud", tls=pki.server_files(), max_packet_size=1000).start()
    try:
        def send_publish_of_size(level: int, size: int):
            raw = RawClient(broker.port, tls=gateway_files(pki))
            props = raw.connect(f"gw{level}", level=level)[2]
            raw.send(publish_of_size(size, level == 5))
            return raw, props

        raw, props = send_publish_of_size(5, 1002)
        assert props["maximum_packet_size"] == 1000 and props["topic_alias_maximum"] == 10
        assert "receive_maximum" not in props  # max_inflight_messages 0 in the harness's config
        assert mq.parse_ack(raw.expect(mq.PUBACK).body, True)[1] == mq.NO_MATCHING_SUBSCRIBERS
        raw.close()
        raw, _ = send_publish_of_size(5, 1003)
        assert raw.disconnect_reason() == mq.PACKET_TOO_LARGE and raw.received[-1].body == b"\x95"
        raw.close()
        raw, _ = send_publish_of_size(4, 1003)
        assert raw.wait_closed() == []  # 3.1.1: closed, nothing said
        raw.close()
        raw = RawClient(broker.port, tls=gateway_files(pki))  # a CONNECT over the limit: no CONNACK
        with pytest.raises(ConnectionClosed):
            raw.connect("gwbig", props={"user_property": [("k", "v" * 1200)]})
        assert raw.received == []
        raw.close()
        broker.wait_log("disconnected due to oversize packet")
    finally:
        broker.stop()
