"""Clouds that are not a friendly Mosquitto, played by the harness's peers
(harness/README.md): a 3.1.1-only broker that hangs up on an MQTT 5 CONNECT,
a TLS server that refuses our certificate by closing without an alert, AWS IoT
Core closing the connection over a publish its policy refuses (MQTT 3.1.1),
quota exceeded and "message rate too high", and a half-open uplink."""
import json
import signal
import time

import pytest

from harness.gateway import Gateway, run_cli
from harness.mqtt_standin import MqttStandin
from harness.net import wait_until
from harness.setups import bridge_config, cloud_client, local_client, remote
from harness.tcp_proxy import TcpProxy
from harness.tls_refuser import SilentTlsRefuser


@pytest.fixture
def standin(pki):
    peers = []

    def make(**kw) -> MqttStandin:
        kw.setdefault("tls", pki.server_files())
        peers.append(MqttStandin(**kw).start())
        return peers[-1]

    yield make
    for p in peers:
        errors = p.errors
        p.stop()
        assert errors == [], errors


def standin_remote(s: MqttStandin, pki, **overrides) -> dict:
    r = {"url": s.url, "tls": pki.gateway_tls(), "keepalive": "10s",
         "reconnect": {"min": "1s", "max": "2s", "stable_after": "5s"}}
    r.update(overrides)
    return r


def dead_letters(gw: Gateway) -> list[dict]:
    r = run_cli("outbox", "dead-letters", "-c", gw.config_path, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_auto_falls_back_to_311_when_the_broker_hangs_up_on_mqtt5_and_traffic_flows_both_ways(
        tmp_path, local_broker, pki, standin):
    s = standin(v5="close")
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": standin_remote(s, pki)},
        [{"pattern": "up/#", "direction": "out"}, {"pattern": "down/#", "direction": "in"}]))
    gw.start(wait_for=("Connected. local",))
    line = gw.wait_log("Connected. remote=ops", timeout=30)
    assert "mqtt=3.1.1" in line, line
    why = gw.wait_log("Connect failed. remote=ops")
    assert "will try MQTT 3.1.1" in why and "TLS session is healthy" in why, why
    # An MQTT 5 CONNECT, the TLS probe (no CONNECT at all), then 3.1.1.
    assert [c.level for c in s.connections()][:3] == [5, None, 4]

    local = local_client(local_broker).subscribe("down/#")
    local.publish("up/1", "to the cloud")
    s.wait_publishes(1, topic="up/1")
    wait_until(lambda: any(sub for sub in s.subscriptions()), timeout=10, what="the gateway's SUBSCRIBE")
    s.publish("down/1", "from the cloud", qos=1)
    assert local.wait_for(1, topic="down/1")[0].text == "from the cloud"
    assert gw.stop() == 0


def test_a_broker_that_closes_right_after_the_tls_handshake_is_explained_in_words(tmp_path, local_broker, pki):
    refuser = SilentTlsRefuser(pki.server_files(), local_broker.port, allowed_cns={"someone-else"}).start()
    try:
        gw = Gateway(str(tmp_path), bridge_config(
            local_broker, {"ops": {"url": refuser.url, "tls": pki.gateway_tls(),
                                   "reconnect": {"min": "1s", "max": "2s"}}},
            [{"pattern": "up/#", "direction": "out"}]))
        gw.start(wait_for=("Connected. local",))
        line = gw.wait_log("Connect failed. remote=ops", timeout=30)
        assert "closed the connection right after the TLS handshake" in line, line
        assert "TCP/TLS connect failure" not in gw.log_text()
        # Not taken for a broker that speaks only MQTT 3.1.1.
        assert "will try MQTT 3.1.1" not in line
        assert gw.stop() == 0
    finally:
        refuser.stop()


def test_a_broker_that_closes_over_one_message_dead_letters_it_after_three_tries_and_delivers_the_rest(
        tmp_path, local_broker, pki, standin):
    s = standin(close_on_topic="deny/#")
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": standin_remote(s, pki, protocol="3.1.1")},
        [{"pattern": "ok/#", "direction": "out"}, {"pattern": "deny/#", "direction": "out"}]))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    local = local_client(local_broker)
    local.publish("ok/1", "1")
    local.publish("deny/1", "refused by the policy")
    for i in range(2, 11):
        local.publish(f"ok/{i}", str(i))
    wait_until(lambda: {p.topic for p in s.publishes() if p.answer == "puback"} >= {f"ok/{i}" for i in range(1, 11)},
               timeout=60, what="every ok message taken")
    wait_until(lambda: len(dead_letters(gw)) == 1, timeout=10, what="the dead letter committed")
    dead = dead_letters(gw)
    assert [(d["topic"], d["reason"]) for d in dead] == [("deny/1", "closed_connection")]
    # Three closes right after it; the first close may be blamed on ok/1 when its
    # PUBACK and the close arrive together (it is then sent alone and taken).
    assert 3 <= len([p for p in s.publishes() if p.topic == "deny/1"]) <= 4
    assert gw.count_log('The remote closed the connection right after a publish. remote=ops topic="deny/1"') == 3
    print(f"\nclose-on-topic: deny/1 dead-lettered after 3 closes; ok/1..10 taken "
          f"({len([p for p in s.publishes() if p.topic.startswith('ok/')])} publishes for 10 messages)")
    assert gw.stop() == 0


def test_a_plain_outage_with_a_message_in_flight_dead_letters_nothing(tmp_path, local_broker, pki, standin):
    s = standin()
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": standin_remote(s, pki, protocol="3.1.1")}, [{"pattern": "ok/#", "direction": "out"}]))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    local = local_client(local_broker)
    for round_ in range(1, 4):
        # The broker takes the message and dies before it answers: a close right
        # after a publish, three times in a row, as the policy close looks.
        s.behave(silent=True)
        local.publish(f"ok/{round_}", str(round_))
        s.wait_publishes(1, topic=f"ok/{round_}")
        s.stop()
        gw.wait_log("Connection lost. remote=ops", count=round_)
        time.sleep(2)  # down: connects are refused meanwhile
        s.behave(silent=False)
        s.start()
        gw.wait_log("Connected. remote=ops", count=round_ + 1, timeout=30)
    wait_until(lambda: {p.topic for p in s.publishes() if p.answer == "puback"} >= {"ok/1", "ok/2", "ok/3"},
               timeout=30, what="every message taken")
    assert dead_letters(gw) == []
    assert gw.count_log("moved to the dead letters") == 0
    assert gw.stop() == 0


def test_quota_exceeded_is_retried_after_backing_off_and_nothing_is_dead_lettered(tmp_path, local_broker, pki,
                                                                                 standin):
    s = standin(quota=3)
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": standin_remote(s, pki, protocol="5")}, [{"pattern": "ok/#", "direction": "out"}]))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    local = local_client(local_broker)
    for i in range(1, 21):
        local.publish(f"ok/{i}", str(i))
    wait_until(lambda: {p.topic for p in s.publishes() if p.reason == 0} >= {f"ok/{i}" for i in range(1, 21)},
               timeout=60, what="every message taken")
    assert len([p for p in s.publishes() if p.reason == 0x97]) == 3
    gw.wait_log("Publish not taken now; sending it again. remote=ops")
    assert dead_letters(gw) == []
    assert gw.stop() == 0


def test_a_disconnect_for_too_high_a_rate_backs_off_and_reconnects_without_loss(tmp_path, local_broker, pki,
                                                                              standin):
    s = standin(disconnect_with=(0x96, 5))
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": standin_remote(s, pki, protocol="5")}, [{"pattern": "ok/#", "direction": "out"}]))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    local = local_client(local_broker)
    for i in range(1, 13):
        local.publish(f"ok/{i}", str(i))
    line = gw.wait_log("Connection lost. remote=ops")
    assert "Message rate too high" in line, line
    s.behave(disconnect_with=None)
    wait_until(lambda: {p.topic for p in s.publishes() if p.reason == 0} >= {f"ok/{i}" for i in range(1, 13)},
               timeout=60, what="every message taken")
    assert dead_letters(gw) == []
    assert gw.stop() == 0


def test_a_half_open_link_is_noticed_within_one_and_a_half_keepalives_and_nothing_is_lost(
        tmp_path, local_broker, cloud_broker, pki):
    proxy = TcpProxy(cloud_broker.port).start()
    try:
        observer = cloud_client(cloud_broker, pki).subscribe("seq/#")
        gw = Gateway(str(tmp_path), bridge_config(
            local_broker, {"ops": {"url": proxy.url("mqtts"), "tls": pki.gateway_tls(), "keepalive": "5s",
                                   "reconnect": {"min": "1s", "max": "2s"}}},
            [{"pattern": "seq/#", "direction": "out"}]))
        gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
        local = local_client(local_broker)
        local.publish("seq/1", "before")
        observer.wait_for(1)
        proxy.pause()  # the uplink goes silent; nobody closes anything
        paused = time.monotonic()
        for i in range(2, 6):
            local.publish(f"seq/{i}", str(i))
        gw.wait_log("Connection lost. remote=ops", timeout=20)
        noticed = time.monotonic() - paused
        proxy.resume()
        observer.wait_for(5, timeout=30)
        topics = sorted({m.topic for m in observer.received()})
        print(f"\nhalf-open link with keepalive 5 s: noticed after {noticed:.1f} s")
        assert topics == [f"seq/{i}" for i in range(1, 6)]
        assert noticed <= 5 * 1.5 + 0.5, noticed  # 1.5 x keepalive after the last packet that came in
        assert gw.stop() == 0
        observer.close()
    finally:
        proxy.stop()


def test_a_reload_whose_new_in_mapping_the_cloud_refuses_to_subscribe_says_so(tmp_path, local_broker, pki, standin):
    """AWS IoT Core refuses a SUBSCRIBE its policy does not allow (SUBACK 0x87). A
    reload that adds an in-mapping on such a filter is not live: "Reloaded." names
    the remote and the refusal is logged; the mapping the policy allows works."""
    s = standin(suback_codes={"site1/secret/#": 0x87})
    topics = [{"pattern": "cmd/#", "direction": "in", "remote_prefix": "site1/"}]
    config = bridge_config(local_broker, {"ops": standin_remote(s, pki, protocol="5")}, topics)
    gw = Gateway(str(tmp_path), config).start(wait_for=("Connected. local", "Connected. remote=ops"))

    config["topics"] = topics + [{"pattern": "secret/#", "direction": "in", "remote_prefix": "site1/"}]
    gw.write_config(config)
    gw.signal(signal.SIGHUP)
    summary = gw.wait_log("Reloaded.")
    assert summary.endswith(" subscriptions_unconfirmed=ops"), summary
    assert "Subscription refused by the broker. remote=ops filter=\"site1/secret/#\" reason=Not authorized (0x87)" \
        in gw.log_text()

    local = local_client(local_broker).subscribe("#")
    s.publish("site1/cmd/vent", "close", qos=1)
    assert [m.text for m in local.wait_for(1, topic="cmd/vent")] == ["close"]
    assert gw.stop() == 0
