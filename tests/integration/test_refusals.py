"""A cloud that refuses: messages its policy does not allow, messages too large
for it. Real Mosquitto brokers (an ACL, packet size limits) and the real
binary; what a user checks: every allowed message arrives once, the refused one
is in the dead letters with its reason, nothing blocks behind it, and
`edgebridge outbox dead-letters --retry` delivers it once the policy allows it."""
import json
import os
import signal
import urllib.request

from harness import outbox_db
from harness.brokers import Mosquitto
from harness.gateway import Gateway, run_cli
from harness.net import wait_until
from harness.setups import bridge_config, cloud_client, local_client, remote


def write_acl(path: str, gateway_topics: list[str]) -> None:
    """The gateway (its certificate's CN, test-gw) may publish only on
    `gateway_topics`; the observer reads everything."""
    lines = ["user test-gw"] + [f"topic write {t}" for t in gateway_topics]
    lines += ["topic read #", "", "user observer", "topic read #", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def acl_cloud(tmp_path, pki, acl_path: str) -> Mosquitto:
    return Mosquitto(str(tmp_path), "cloud", tls=pki.server_files(), extra=f"acl_file {acl_path}").start()


def outbox_path(gw: Gateway) -> str:
    return os.path.join(gw.state_dir, "outbox.db")


def dead_letters(gw: Gateway) -> list[dict]:
    r = run_cli("outbox", "dead-letters", "-c", gw.config_path, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_a_message_the_acl_refuses_is_dead_lettered_and_the_others_arrive_once(tmp_path, local_broker, pki):
    acl = os.path.join(str(tmp_path), "acl")
    write_acl(acl, ["site1/ok/#"])
    cloud = acl_cloud(tmp_path, pki, acl)
    observer = cloud_client(cloud, pki).subscribe("site1/#")
    notices = local_client(local_broker).subscribe("edgebridge/test-gw/deadletter")
    gw = Gateway(str(tmp_path), bridge_config(local_broker, {"ops": remote(cloud, pki, protocol="5")},
                                              [{"pattern": "ok/#", "direction": "out", "remote_prefix": "site1/"},
                                               {"pattern": "bad/#", "direction": "out", "remote_prefix": "site1/"}]))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    local = local_client(local_broker)
    local.publish("ok/1", "1")
    local.publish("bad/1", "refused")
    for i in range(2, 51):
        local.publish(f"ok/{i}", str(i))

    got = observer.wait_for(50, timeout=30)
    wait_until(lambda: len(outbox_db.rows(outbox_path(gw), "ops")) == 0, timeout=20, what="an empty outbox")
    topics = [m.topic for m in observer.received()]
    assert sorted(topics) == sorted(f"site1/ok/{i}" for i in range(1, 51)), topics
    assert len(topics) == 50, f"{len(topics) - 50} duplicates"
    assert "site1/bad/1" not in topics
    wait_until(lambda: len(dead_letters(gw)) == 1, timeout=10, what="the dead letter committed")
    dead = dead_letters(gw)
    assert [(d["topic"], d["reason"], d["reason_code"]) for d in dead] == [("site1/bad/1", "not_authorized", 0x87)]
    line = gw.wait_log("Message refused for good; moved to the dead letters. remote=ops")
    assert 'topic="site1/bad/1"' in line and "reason=not_authorized" in line
    assert gw.count_log("moved to the dead letters") == 1  # logged once, never resent
    notice = json.loads(notices.wait_for(1)[0].text)
    assert notice["topic"] == "site1/bad/1" and notice["reason"] == "not_authorized" and notice["remote"] == "ops"
    stats = run_cli("outbox", "stats", "-c", gw.config_path)
    assert "dead letters 1" in stats.stdout, stats.stdout
    print(f"\nACL refusal: {len(topics)} of 50 allowed messages arrived, 0 duplicates; dead letters: {dead}")

    # The cloud policy is fixed; the dead letter goes back and is delivered.
    write_acl(acl, ["site1/ok/#", "site1/bad/#"])
    cloud.proc.send_signal(signal.SIGHUP)  # Mosquitto re-reads its acl_file
    cloud.wait_log("Reloading config")
    r = run_cli("outbox", "dead-letters", "-c", gw.config_path, "--retry")
    assert r.returncode == 0 and "1 dead letter(s) marked for retry" in r.stdout, r.stdout + r.stderr
    observer.wait_for(1, topic="site1/bad/1", timeout=15)
    wait_until(lambda: dead_letters(gw) == [], timeout=10, what="no dead letters left")
    assert gw.stop() == 0
    observer.close()
    cloud.stop()


def test_a_message_over_max_message_size_is_dead_lettered_without_being_sent(tmp_path, local_broker, cloud_broker,
                                                                          pki):
    observer = cloud_client(cloud_broker, pki).subscribe("site1/#")
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": remote(cloud_broker, pki, max_message_size="1KiB")},
        [{"pattern": "t/#", "direction": "out", "remote_prefix": "site1/"}]))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    local = local_client(local_broker)
    local.publish("t/small", "x" * 1024)
    local.publish("t/big", "y" * 1025)
    local.publish("t/after", "z")
    observer.wait_for(2, timeout=15)
    assert [m.topic for m in observer.received()] == ["site1/t/small", "site1/t/after"]
    wait_until(lambda: len(dead_letters(gw)) == 1, timeout=10, what="the dead letter committed")
    dead = dead_letters(gw)
    assert [(d["topic"], d["reason"], d["payload_bytes"]) for d in dead] == [("site1/t/big", "too_large", 1025)]
    assert "max_message_size" in dead[0]["detail"]
    assert gw.stop() == 0
    observer.close()


def test_a_message_over_the_brokers_maximum_packet_size_is_dead_lettered_unsent(tmp_path, local_broker, pki):
    cloud = Mosquitto(str(tmp_path), "cloud", tls=pki.server_files(), extra="max_packet_size 2000").start()
    observer = cloud_client(cloud, pki).subscribe("site1/#")
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": remote(cloud, pki, protocol="5")},
        [{"pattern": "t/#", "direction": "out", "remote_prefix": "site1/"}]))
    gw.start(wait_for=("Connected. local", "maximum_packet_size=2000"))
    local = local_client(local_broker)
    local.publish("t/big", "y" * 3000)
    local.publish("t/after", "z")
    observer.wait_for(1, timeout=15)
    assert [m.topic for m in observer.received()] == ["site1/t/after"]
    wait_until(lambda: len(dead_letters(gw)) == 1, timeout=10, what="the dead letter committed")
    dead = dead_letters(gw)
    assert [(d["topic"], d["reason"]) for d in dead] == [("site1/t/big", "too_large")]
    assert "Maximum Packet Size" in dead[0]["detail"]
    assert gw.count_log("Connection lost. remote=ops") == 0  # refused before it was sent: the link stayed up
    assert gw.stop() == 0
    observer.close()
    cloud.stop()


def test_dead_letters_can_be_purged(tmp_path, local_broker, cloud_broker, pki):
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": remote(cloud_broker, pki, max_message_size="1KiB")},
        [{"pattern": "t/#", "direction": "out"}]))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    local = local_client(local_broker)
    for i in range(3):
        local.publish(f"t/{i}", "x" * 2000)
    wait_until(lambda: len(dead_letters(gw)) == 3, timeout=15, what="three dead letters")
    first = dead_letters(gw)[0]["id"]
    r = run_cli("outbox", "dead-letters", "-c", gw.config_path, "--purge", "--id", str(first))
    assert r.returncode == 0 and "1 dead letter(s) deleted" in r.stdout, r.stdout + r.stderr
    assert [d["topic"] for d in dead_letters(gw)] == ["t/1", "t/2"]
    r = run_cli("outbox", "dead-letters", "-c", gw.config_path)
    assert "2 dead letter(s)" in r.stdout and "too_large" in r.stdout, r.stdout
    r = run_cli("outbox", "dead-letters", "-c", gw.config_path, "--purge")
    assert "2 dead letter(s) deleted" in r.stdout
    assert dead_letters(gw) == []
    assert gw.stop() == 0


def local_metric(gw: Gateway, name: str) -> float | None:
    with urllib.request.urlopen(f"http://127.0.0.1:{gw.metrics_port}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


def test_a_message_from_the_cloud_the_local_broker_refuses_is_warned_about_and_counted(tmp_path, cloud_broker, pki):
    """The local broker's ACL refuses one topic (MQTT 5: PUBACK 0x87). The others
    arrive; the refused one is named in a warning and counted on /metrics."""
    local_broker = Mosquitto(str(tmp_path), "local", acl={None: ["readwrite #", "deny cmd/denied"]}).start()
    try:
        config = bridge_config(local_broker, {"ops": remote(cloud_broker, pki)},
                               [{"pattern": "cmd/#", "direction": "in", "remote_prefix": "site1/"}])
        gw = Gateway(str(tmp_path), config).start(
            wait_for=("Connected. local", "Connected. remote=ops", "Serving metrics"))
        assert local_metric(gw, "edgebridge_local_refused_total") == 0
        listener = local_client(local_broker).subscribe("cmd/#")
        cloud = cloud_client(cloud_broker, pki)
        for topic in ("cmd/a", "cmd/denied", "cmd/b"):
            cloud.publish(f"site1/{topic}", topic)

        line = gw.wait_log("The broker refused a message; it is not delivered. local")
        assert 'topic="cmd/denied"' in line and "reason=Not authorized" in line, line
        listener.wait_for(2, topic=None)
        wait_until(lambda: local_metric(gw, "edgebridge_local_refused_total") == 1, timeout=10,
                   what="edgebridge_local_refused_total to be 1")
        assert sorted(m.text for m in listener.received()) == ["cmd/a", "cmd/b"]
        assert gw.stop() == 0
    finally:
        local_broker.stop()

