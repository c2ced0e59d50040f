"""The core bridge with real Mosquitto brokers (plain local, mutual-TLS cloud)
and the real edgebridge binary: mappings, prefixes, QoS and retain rules, loop
prevention, status topics, reconnects, several remotes."""
import signal
import time

import pytest

from harness.brokers import Mosquitto
from harness.gateway import Gateway
from harness.setups import bridge_config, cloud_client, local_client, remote


def start_bridge(tmp_path, local_broker, remotes, topics, **sections) -> Gateway:
    gw = Gateway(str(tmp_path), bridge_config(local_broker, remotes, topics, **sections))
    needles = ["Connected. local"] + [f"Connected. remote={name}" for name in remotes]
    return gw.start(wait_for=tuple(needles))


def assert_nothing_more(client, topic_count: dict, settle: float = 1.0):
    """Waits `settle` seconds and checks no extra message arrived."""
    time.sleep(settle)
    for topic, count in topic_count.items():
        assert len(client.received(topic)) == count, client.received(topic)


def test_out_mapping_adds_the_remote_prefix(tmp_path, local_broker, cloud_broker, pki):
    gw = start_bridge(tmp_path, local_broker, {"ops": remote(cloud_broker, pki)},
                      [{"pattern": "sensors/#", "direction": "out", "remote_prefix": "site1/"}])
    cloud = cloud_client(cloud_broker, pki).subscribe("#")
    local = local_client(local_broker)
    local.publish("sensors/greenhouse/lux1", '{"lux":31250.5}')
    local.publish("other/topic", "not mapped")
    got = cloud.wait_for(1, topic="site1/sensors/greenhouse/lux1")
    assert got[0].text == '{"lux":31250.5}'
    assert_nothing_more(cloud, {"other/topic": 0, "site1/other/topic": 0})
    assert gw.stop() == 0


def test_in_mapping_strips_the_remote_prefix_and_adds_the_local_one(tmp_path, local_broker, cloud_broker, pki):
    gw = start_bridge(tmp_path, local_broker, {"ops": remote(cloud_broker, pki)},
                      [{"pattern": "cmd/#", "direction": "in", "remote_prefix": "site1/", "local_prefix": "edge/"}])
    local = local_client(local_broker).subscribe("#")
    cloud = cloud_client(cloud_broker, pki)
    cloud.publish("site1/cmd/shade", "close")
    cloud.publish("site2/cmd/shade", "open")  # not this site's prefix
    got = local.wait_for(1, topic="edge/cmd/shade")
    assert got[0].text == "close"
    assert_nothing_more(local, {"edge/cmd/shade": 1})
    gw.stop()


@pytest.mark.parametrize("protocol", ["auto", "3.1.1"])
def test_both_mapping_never_echoes(tmp_path, local_broker, cloud_broker, pki, protocol):
    """MQTT 5 No Local, or the fingerprint filter on 3.1.1: nothing crosses twice."""
    gw = start_bridge(tmp_path, local_broker, {"ops": remote(cloud_broker, pki, protocol=protocol)},
                      [{"pattern": "sync/#", "direction": "both"}],
                      local={"url": local_broker.url, "protocol": protocol})
    local = local_client(local_broker).subscribe("sync/#")
    cloud = cloud_client(cloud_broker, pki).subscribe("sync/#")
    local.publish("sync/from-edge", "e1")
    cloud.publish("sync/from-cloud", "c1")
    cloud.wait_for(1, topic="sync/from-edge")
    local.wait_for(1, topic="sync/from-cloud")
    # Each side sees its own publish once (as a subscriber) and the other side's once.
    assert_nothing_more(local, {"sync/from-edge": 1, "sync/from-cloud": 1}, settle=1.5)
    assert_nothing_more(cloud, {"sync/from-edge": 1, "sync/from-cloud": 1}, settle=0)
    if protocol == "3.1.1":
        assert "mqtt=3.1.1" in gw.wait_log("Connected. remote=ops")
    gw.stop()


def test_delivered_qos_is_the_lower_of_mapping_and_message(tmp_path, local_broker, cloud_broker, pki):
    gw = start_bridge(tmp_path, local_broker, {"ops": remote(cloud_broker, pki)},
                      [{"pattern": "q0/#", "qos": 0}, {"pattern": "q1/#", "qos": 1}])
    cloud = cloud_client(cloud_broker, pki).subscribe("#", qos=1)
    local = local_client(local_broker)
    local.publish("q0/a", "x", qos=1)
    local.publish("q1/b", "y", qos=1)
    local.publish("q1/c", "z", qos=0)
    assert cloud.wait_for(1, topic="q0/a")[0].qos == 0
    assert cloud.wait_for(1, topic="q1/b")[0].qos == 1
    assert cloud.wait_for(1, topic="q1/c")[0].qos == 0
    gw.stop()


def test_the_retained_flag_is_kept(tmp_path, local_broker, cloud_broker, pki):
    gw = start_bridge(tmp_path, local_broker, {"ops": remote(cloud_broker, pki)}, [{"pattern": "state/#"}])
    local = local_client(local_broker)
    local.publish("state/valve", "open", retain=True)
    first = cloud_client(cloud_broker, pki).subscribe("state/#")
    first.wait_for(1, topic="state/valve")
    # A subscriber arriving later gets it from the cloud broker as retained.
    late = cloud_client(cloud_broker, pki).subscribe("state/#")
    got = late.wait_for(1, topic="state/valve")
    assert got[0].retain and got[0].text == "open"
    gw.stop()


def test_dollar_topics_are_not_matched_by_a_leading_wildcard(tmp_path, local_broker, cloud_broker, pki):
    gw = start_bridge(tmp_path, local_broker, {"ops": remote(cloud_broker, pki)},
                      [{"pattern": "#"}, {"pattern": "$edge/health"}])
    cloud = cloud_client(cloud_broker, pki).subscribe("#").subscribe("$edge/#")
    local = local_client(local_broker)
    local.publish("$edge/other", "hidden")
    local.publish("$edge/health", "ok")
    local.publish("plain/topic", "seen")
    cloud.wait_for(1, topic="plain/topic")
    cloud.wait_for(1, topic="$edge/health")
    assert_nothing_more(cloud, {"$edge/other": 0})
    gw.stop()


def test_status_is_online_while_running_and_offline_after_stop(tmp_path, local_broker, cloud_broker, pki):
    gw = start_bridge(tmp_path, local_broker, {"ops": remote(cloud_broker, pki)}, [{"pattern": "x/#"}])
    topic = "edgebridge/test-gw/status"
    local = local_client(local_broker).subscribe(topic)
    cloud = cloud_client(cloud_broker, pki).subscribe(topic)
    assert local.wait_for(1, topic=topic)[-1].text == "online"
    assert cloud.wait_for(1, topic=topic)[-1].text == "online"
    assert gw.stop() == 0
    assert local.wait_for(2, topic=topic)[-1].text == "offline"
    assert cloud.wait_for(2, topic=topic)[-1].text == "offline"


def test_last_will_marks_a_killed_gateway_offline(tmp_path, local_broker, cloud_broker, pki):
    gw = start_bridge(tmp_path, local_broker, {"ops": remote(cloud_broker, pki, keepalive="5s")},
                      [{"pattern": "x/#"}])
    topic = "edgebridge/test-gw/status"
    local = local_client(local_broker).subscribe(topic)
    local.wait_for(1, topic=topic)
    gw.kill9()
    # The broker notices the dead socket at once (the process is gone) and sends the will.
    assert local.wait_for(2, topic=topic, timeout=15)[-1].text == "offline"


def test_traffic_resumes_after_the_cloud_broker_restarts(tmp_path, local_broker, cloud_broker, pki):
    gw = start_bridge(tmp_path, local_broker, {"ops": remote(cloud_broker, pki)}, [{"pattern": "sensors/#"}])
    local = local_client(local_broker)
    cloud_broker.stop()
    gw.wait_log("Connection lost. remote=ops")
    local.publish("sensors/during-outage", "1")
    cloud_broker.start()
    gw.wait_log("Connected. remote=ops", count=2, timeout=30)
    cloud = cloud_client(cloud_broker, pki).subscribe("sensors/#")
    local.publish("sensors/after", "2")
    cloud.wait_for(1, topic="sensors/after", timeout=15)
    gw.stop()


def test_two_remotes_each_get_only_their_own_topics(tmp_path, local_broker, pki):
    ops = Mosquitto(str(tmp_path), "ops", tls=pki.server_files()).start()
    audit = Mosquitto(str(tmp_path), "audit", tls=pki.server_files()).start()
    try:
        gw = start_bridge(tmp_path, local_broker,
                          {"ops": remote(ops, pki), "audit": remote(audit, pki, client_id="test-gw-audit")},
                          [{"pattern": "sensors/#", "remote": "ops"},
                           {"pattern": "audit/#", "remote": "audit"},
                           {"pattern": "shared/#"}])
        to_ops = cloud_client(ops, pki).subscribe("#")
        to_audit = cloud_client(audit, pki).subscribe("#")
        local = local_client(local_broker)
        local.publish("sensors/t", "1")
        local.publish("audit/login", "2")
        local.publish("shared/x", "3")
        to_ops.wait_for(1, topic="sensors/t")
        to_audit.wait_for(1, topic="audit/login")
        to_ops.wait_for(1, topic="shared/x")
        to_audit.wait_for(1, topic="shared/x")
        assert_nothing_more(to_ops, {"audit/login": 0})
        assert_nothing_more(to_audit, {"sensors/t": 0}, settle=0)
        gw.stop()
    finally:
        ops.stop()
        audit.stop()


def test_sigterm_exits_zero_and_quickly(tmp_path, local_broker, cloud_broker, pki):
    gw = start_bridge(tmp_path, local_broker, {"ops": remote(cloud_broker, pki)}, [{"pattern": "a/#"}])
    t0 = time.monotonic()
    assert gw.stop(signal.SIGTERM) == 0
    assert time.monotonic() - t0 < 5


@pytest.mark.parametrize("protocol", ["auto", "3.1.1"])
def test_overlapping_mappings_deliver_a_message_once(tmp_path, local_broker, cloud_broker, pki, protocol):
    """An MQTT 5 broker sends one copy per matching subscription; the gateway
    keeps one (subscription identifiers) and the first matching mapping decides."""
    gw = start_bridge(tmp_path, local_broker, {"ops": remote(cloud_broker, pki)},
                      [{"pattern": "cmd/#"}, {"pattern": "cmd/+/set", "remote_prefix": "other/"},
                       {"pattern": "cmd/shade/set", "remote_prefix": "third/"}],
                      local={"url": local_broker.url, "protocol": protocol})
    cloud = cloud_client(cloud_broker, pki).subscribe("cmd/#").subscribe("other/#").subscribe("third/#")
    local = local_client(local_broker)
    local.publish("cmd/shade/set", "close")
    cloud.wait_for(1, topic="cmd/shade/set")
    assert_nothing_more(cloud, {"cmd/shade/set": 1, "other/cmd/shade/set": 0, "third/cmd/shade/set": 0}, settle=1.5)
    gw.stop()
