"""Watching a running gateway, as an operator does: GET /metrics, /healthz and
/stats on the gateway's own endpoint, the retained stats topic on the local
broker, and the `edgebridge status` and `edgebridge health` commands; with real
brokers, a cloud outage and the real binary."""
import json
import re
import socket
import urllib.error
import urllib.request

from harness.brokers import Mosquitto
from harness.gateway import Gateway, run_cli
from harness.net import free_port, wait_until
from harness.setups import bridge_config, cloud_client, local_client, remote

from modbus_sim import ModbusSim  # noqa: E402

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def http(gw: Gateway, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{gw.metrics_port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def metrics(gw: Gateway) -> dict:
    """{(name, ((label, value), ...)): value} from GET /metrics."""
    status, text = http(gw, "/metrics")
    assert status == 200
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a Prometheus sample line: {line!r}"
        labels = tuple(sorted(LABEL.findall(m.group(3) or "")))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def metric(gw: Gateway, name: str, **labels) -> float | None:
    return metrics(gw).get((name, tuple(sorted(labels.items()))))


def wait_metric(gw: Gateway, name: str, value: float, timeout: float = 20.0, **labels) -> None:
    wait_until(lambda: metric(gw, name, **labels) == value, timeout=timeout,
               what=f"{name}{labels} == {value} (last: {metric(gw, name, **labels)})")


def observed_config(local_broker, remotes: dict, **gateway) -> dict:
    return bridge_config(local_broker, remotes, [{"pattern": "sensors/#", "direction": "out"}],
                         gateway={"health_grace": "2s", "stats_interval": "1s", **gateway})


def start(tmp_path, config: dict, remotes=("ops",)) -> Gateway:
    gw = Gateway(str(tmp_path), config)
    # The observer starts listening after the gateway started: wait for it too.
    return gw.start(wait_for=("Connected. local", *[f"Connected. remote={r}" for r in remotes], "Serving metrics"))


def publish_readings(local_broker, count: int, start: int = 0) -> None:
    client = local_client(local_broker)
    for i in range(start, start + count):
        client.publish("sensors/greenhouse/lux1", json.dumps({"seq": i}))
    client.close()


def test_an_operator_sees_connection_counters_and_the_outbox_through_a_cloud_outage(tmp_path, local_broker, pki):
    cloud = Mosquitto(str(tmp_path), "cloud", tls=pki.server_files()).start()
    gw = start(tmp_path, observed_config(local_broker, {"ops": remote(cloud, pki)}))
    observer = cloud_client(cloud, pki).subscribe("sensors/#")

    assert metric(gw, "edgebridge_up") == 1
    assert metric(gw, "edgebridge_local_connected") == 1
    assert metric(gw, "edgebridge_remote_connected", remote="ops") == 1
    assert metric(gw, "edgebridge_remote_state", remote="ops", state="connected") == 1
    assert metric(gw, "edgebridge_remote_connects_total", remote="ops") == 1
    status, body = http(gw, "/healthz")
    assert (status, body.splitlines()[0]) == (200, "ok"), body
    assert "remote ops: connected" in body
    assert run_cli("health", "-c", gw.config_path).returncode == 0

    # N readings go through: counted in, forwarded, nothing waits.
    n = 20
    publish_readings(local_broker, n)
    observer.wait_for(n, timeout=20)
    wait_metric(gw, "edgebridge_messages_received_total", n, source="local")
    wait_metric(gw, "edgebridge_remote_forwarded_total", n, remote="ops")
    assert metric(gw, "edgebridge_outbox_depth_messages", remote="ops") == 0

    # The cloud goes away: M readings wait in the outbox, and after the 2 s grace
    # /healthz says which remote is down and since when.
    cloud.stop()
    wait_metric(gw, "edgebridge_remote_connected", 0, remote="ops")
    m = 15
    publish_readings(local_broker, m, start=n)
    wait_metric(gw, "edgebridge_outbox_depth_messages", m, remote="ops")
    assert metric(gw, "edgebridge_outbox_oldest_age_seconds", remote="ops") >= 0
    assert metric(gw, "edgebridge_messages_received_total", source="local") == n + m
    wait_until(lambda: http(gw, "/healthz")[0] == 503, timeout=15, what="/healthz 503 after the grace")
    status, body = http(gw, "/healthz")
    assert body.splitlines()[0] == "unhealthy"
    assert re.search(r"remote ops: (backoff|connecting), down since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC "
                     r"\(\d+s ago\), longer than the grace of 2s", body), body
    assert metric(gw, "edgebridge_healthy") == 0

    health = run_cli("health", "-c", gw.config_path)
    assert health.returncode == 1
    assert "remote ops" in health.stdout and "down since" in health.stdout

    status_cli = run_cli("status", "-c", gw.config_path)
    assert status_cli.returncode == 0, status_cli.stdout + status_cli.stderr
    row = next(l for l in status_cli.stdout.splitlines() if l.startswith("ops "))
    assert row.split()[1] in ("backoff", "connecting"), status_cli.stdout
    assert row.split()[3] == str(m), status_cli.stdout  # outbox depth
    assert row.split()[5] == str(n), status_cli.stdout  # forwarded
    assert "UNHEALTHY" in status_cli.stdout

    # The cloud returns: healthy again, the backlog drains.
    cloud.start()
    wait_until(lambda: http(gw, "/healthz")[0] == 200, timeout=30, what="/healthz 200 after the cloud returns")
    wait_metric(gw, "edgebridge_outbox_depth_messages", 0, remote="ops", timeout=30)
    wait_metric(gw, "edgebridge_remote_forwarded_total", n + m, remote="ops")
    assert metric(gw, "edgebridge_remote_connects_total", remote="ops") == 2
    assert run_cli("health", "-c", gw.config_path).returncode == 0
    assert gw.stop() == 0
    observer.close()
    cloud.stop()


def test_messages_a_full_outbox_refuses_are_counted_by_reason(tmp_path, local_broker, pki):
    never_up = Mosquitto(str(tmp_path), "cloud", tls=pki.server_files())  # a port, nothing listening
    config = observed_config(local_broker, {"ops": remote(never_up, pki, outbox={
        "max_messages": 5, "overflow": "drop_newest"})})
    gw = Gateway(str(tmp_path), config).start(wait_for=("Connected. local", "Serving metrics"))
    publish_readings(local_broker, 8)
    wait_metric(gw, "edgebridge_outbox_dropped_total", 3, remote="ops", reason="overflow_newest")
    assert metric(gw, "edgebridge_outbox_depth_messages", remote="ops") == 5
    assert metric(gw, "edgebridge_outbox_dropped_total", remote="ops", reason="overflow_oldest") == 0
    assert metric(gw, "edgebridge_remote_connects_total", remote="ops") == 0
    # Never connected: within the grace after start, then unhealthy.
    wait_until(lambda: http(gw, "/healthz")[0] == 503, timeout=15, what="/healthz 503 after the grace")
    assert "remote ops:" in http(gw, "/healthz")[1]
    stats = json.loads(http(gw, "/stats")[1])
    assert stats["remotes"]["ops"]["outbox"]["dropped"]["overflow_newest"] == 3
    assert gw.stop() == 0


def test_the_retained_stats_topic_summarises_links_counters_and_outbox(tmp_path, local_broker, cloud_broker, pki):
    gw = start(tmp_path, observed_config(local_broker, {"ops": remote(cloud_broker, pki)}))
    publish_readings(local_broker, 3)
    wait_metric(gw, "edgebridge_remote_forwarded_total", 3, remote="ops")

    def retained_with_counts():
        # A new subscriber gets the retained summary at once (flagged retained;
        # live ones are not). Until the first one is published, it gets a live one.
        watcher = local_client(local_broker).subscribe("edgebridge/test-gw/stats")
        try:
            first = watcher.wait_for(1, timeout=5)[0]
        finally:
            watcher.close()
        doc = json.loads(first.text)
        # The summary is a snapshot: one taken between a reading's arrival and
        # the cloud's PUBACK counts it received but not yet forwarded.
        counted = (doc["messages"]["received"]["local"] >= 3
                   and doc["remotes"]["ops"]["outbox"]["forwarded"] >= 3)
        return doc if first.retain and counted else None

    doc = wait_until(retained_with_counts, timeout=15, interval=0.5, what="a retained summary counting 3 readings")
    assert doc["gateway"] == "test-gw"
    assert doc["version"]
    assert doc["healthy"] is True
    assert doc["local"]["state"] == "connected"
    ops = doc["remotes"]["ops"]
    assert ops["state"] == "connected" and ops["connects"] == 1 and ops["down_since"] is None
    assert ops["outbox"]["depth"] == 0 and ops["outbox"]["forwarded"] == 3
    assert set(ops["outbox"]["dropped"]) >= {"overflow_oldest", "overflow_newest", "ttl_expired"}
    assert doc["devices"] == {} and doc["rules"] == {}
    # /stats answers the same document.
    assert set(json.loads(http(gw, "/stats")[1])) == set(doc)
    assert gw.stop() == 0


def test_status_without_a_running_gateway_says_so_and_shows_the_outbox_database(tmp_path, local_broker, pki):
    never_up = Mosquitto(str(tmp_path), "cloud", tls=pki.server_files())
    gw = Gateway(str(tmp_path), observed_config(local_broker, {"ops": remote(never_up, pki)})).start(
        wait_for=("Connected. local", "Serving metrics"))
    publish_readings(local_broker, 4)
    wait_metric(gw, "edgebridge_outbox_depth_messages", 4, remote="ops")
    assert gw.stop() == 0

    result = run_cli("status", "-c", gw.config_path)
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"The gateway is not running or not reachable: nothing answered on http://127.0.0.1:{gw.metrics_port}/stats" \
        in result.stdout
    row = next(l for l in result.stdout.splitlines() if l.startswith("ops "))
    assert row.split()[1] == "4", result.stdout
    health = run_cli("health", "-c", gw.config_path)
    assert health.returncode == 1
    assert "not running or not reachable" in health.stdout


def test_with_metrics_false_nothing_listens_and_health_says_it_is_off(tmp_path, local_broker, cloud_broker, pki):
    gw = Gateway(str(tmp_path), observed_config(local_broker, {"ops": remote(cloud_broker, pki)}, metrics=False))
    port = gw.metrics_port  # what it would have used
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    assert gw.count_log("Serving metrics") == 0
    health = run_cli("health", "-c", gw.config_path)
    assert health.returncode == 1
    assert "the health endpoint is off" in health.stdout
    assert gw.stop() == 0


def test_a_taken_metrics_port_is_logged_and_the_gateway_forwards_anyway(tmp_path, local_broker, cloud_broker, pki):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen(1)
        port = squatter.getsockname()[1]
        gw = Gateway(str(tmp_path), observed_config(local_broker, {"ops": remote(cloud_broker, pki)},
                                                    metrics=f"127.0.0.1:{port}"))
        gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
        gw.wait_log(f"Cannot serve metrics; the gateway runs on without /metrics and /healthz")
        observer = cloud_client(cloud_broker, pki).subscribe("sensors/#")
        publish_readings(local_broker, 1)
        observer.wait_for(1)
        observer.close()
        assert gw.stop() == 0


def test_the_endpoint_answers_only_get_on_known_paths(tmp_path, local_broker, cloud_broker, pki):
    gw = start(tmp_path, observed_config(local_broker, {"ops": remote(cloud_broker, pki)}))
    assert http(gw, "/nothing")[0] == 404
    request = urllib.request.Request(f"http://127.0.0.1:{gw.metrics_port}/metrics", data=b"x", method="POST")
    try:
        urllib.request.urlopen(request, timeout=5)
        raise AssertionError("POST was answered")
    except urllib.error.HTTPError as e:
        assert e.code == 405
    assert gw.stop() == 0


def test_device_polls_and_rule_firings_are_exported_per_device_and_rule(tmp_path, local_broker):
    sim = ModbusSim()
    try:
        sim.add_unit(1).set_float32("input", 0, 40000.0)
        sim.start_tcp()
        device = {"name": "lux1", "type": "modbus_tcp", "host": "127.0.0.1", "port": sim.port,
                  "topic": "sensors/greenhouse/lux1", "poll": "200ms",
                  "registers": [{"name": "lux", "table": "input", "address": 0, "type": "float32"}]}
        rule = {"name": "too_bright", "sql": "SELECT lux FROM 'sensors/greenhouse/lux1' WHERE lux > 35000",
                "actions": [{"publish": {"topic": "alerts/too_bright"}}]}
        gw = Gateway(str(tmp_path), bridge_config(local_broker, {}, [], devices=[device], rules=[rule],
                                                  gateway={"stats_interval": "1s"})).start(
            wait_for=("Connected. local", "Serving metrics"))
        wait_until(lambda: (metric(gw, "edgebridge_device_polls_ok_total", device="lux1", type="modbus_tcp") or 0) >= 3,
                   timeout=15, what="three good polls counted")
        assert metric(gw, "edgebridge_device_online", device="lux1", type="modbus_tcp") == 1
        assert metric(gw, "edgebridge_device_polls_failed_total", device="lux1", type="modbus_tcp") == 0
        assert metric(gw, "edgebridge_device_poll_latency_seconds", device="lux1", type="modbus_tcp") >= 0
        assert metric(gw, "edgebridge_messages_received_total", source="device") >= 3
        wait_until(lambda: (metric(gw, "edgebridge_rule_fired_total", rule="too_bright") or 0) >= 3, timeout=15,
                   what="the rule's firings counted")
        assert metric(gw, "edgebridge_rule_evaluations_total", rule="too_bright") >= 3
        assert metric(gw, "edgebridge_rule_action_errors_total", rule="too_bright") == 0

        stats = json.loads(http(gw, "/stats")[1])
        assert stats["devices"]["lux1"]["type"] == "modbus_tcp"
        assert stats["devices"]["lux1"]["polls_ok"] >= 3
        assert stats["rules"]["too_bright"]["fired"] >= 3
        status = run_cli("status", "-c", gw.config_path)
        assert status.returncode == 0
        assert re.search(r"^  lux1 +modbus_tcp .*polls_ok \d+", status.stdout, re.M), status.stdout
        assert re.search(r"^too_bright +\d+ +\d+ +\d+ +0 +no$", status.stdout, re.M), status.stdout
        assert gw.stop() == 0
    finally:
        sim.stop()
