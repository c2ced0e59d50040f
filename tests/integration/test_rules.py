"""Edge rules with the real binary and real Mosquitto brokers: a held
condition alerts once and re-arms, a hold survives a restart, a failing action
reports on error/rules, rule output reaches the cloud through the outbox, and
`edgebridge rules test` shows a rule's plan without sending anything."""
import json
import signal
import time

from harness.gateway import Gateway, run_cli
from harness.net import free_port
from harness.setups import bridge_config, cloud_client, local_client, remote

LUX_TOPIC = "sensors/greenhouse/lux1"

TOO_BRIGHT = {
    "name": "too_bright",
    "sql": f"SELECT lux, clientid() AS sensor FROM '{LUX_TOPIC}' WHERE lux > 35000",
    "for": "2s",
    "actions": [{"publish": {"topic": "alerts/${topic(2)}"}}],
}


def start(tmp_path, config: dict, name: str = "edgebridge", remotes=()) -> Gateway:
    gw = Gateway(str(tmp_path), config, name=name)
    return gw.start(wait_for=("Connected. local",) + tuple(f"Connected. remote={r}" for r in remotes))


def readings(client, lux: float, seconds: float, every: float = 0.2) -> float:
    """Publishes a reading every `every` seconds for `seconds`; returns when the first went out."""
    first = time.monotonic()
    deadline = first + seconds
    while True:
        client.publish(LUX_TOPIC, json.dumps({"lux": lux}))
        if time.monotonic() >= deadline:
            return first
        time.sleep(every)


def settle(client, topic: str, count: int, seconds: float = 1.5) -> None:
    time.sleep(seconds)
    got = client.received(topic)
    assert len(got) == count, [m.text for m in got]


def test_a_condition_held_for_two_seconds_alerts_exactly_once_and_rearms(tmp_path, local_broker):
    gw = start(tmp_path, bridge_config(local_broker, {}, [], rules=[TOO_BRIGHT]))
    watcher = local_client(local_broker).subscribe("alerts/#")
    sensor = local_client(local_broker)

    first = readings(sensor, 40000, 3.5)
    alert = watcher.wait_for(1, topic="alerts/greenhouse", timeout=5)[0]
    assert alert.at - first >= 1.95, "fired before the condition had held for 2s"
    assert json.loads(alert.text) == {"lux": 40000}  # from the local broker: no clientid()
    settle(watcher, "alerts/greenhouse", 1, seconds=0.5)

    readings(sensor, 20000, 0.5)  # the condition breaks: re-armed
    readings(sensor, 40000, 1.0)  # shorter than the hold: nothing
    settle(watcher, "alerts/greenhouse", 1, seconds=0.5)
    readings(sensor, 40000, 2.5)
    watcher.wait_for(2, topic="alerts/greenhouse", timeout=5)
    settle(watcher, "alerts/greenhouse", 2)
    assert gw.wait_log("Rule fired. rule=too_bright", count=2)
    assert gw.stop() == 0


def test_a_hold_survives_a_restart_of_edgebridge(tmp_path, local_broker):
    rule = dict(TOO_BRIGHT, **{"for": "5s"})
    config = bridge_config(local_broker, {}, [], rules=[rule])
    gw = start(tmp_path, config)
    watcher = local_client(local_broker).subscribe("alerts/#")
    sensor = local_client(local_broker)

    first = readings(sensor, 40000, 1.5)
    gw.wait_log("Rule hold started. rule=too_bright")
    assert gw.stop() == 0
    gw.start(wait_for=())
    gw.wait_log("Connected. local", count=2)
    resumed = readings(sensor, 40000, 0.0)
    readings(sensor, 40000, 6.0)
    alert = watcher.wait_for(1, topic="alerts/greenhouse", timeout=10)[0]
    # Five seconds after the first reading, not five seconds after the restart.
    assert alert.at - first >= 4.95
    assert alert.at - resumed < 4.5, f"the hold started over at the restart ({alert.at - resumed:.1f}s)"
    settle(watcher, "alerts/greenhouse", 1)
    assert gw.stop() == 0


def test_an_action_refused_by_a_full_outbox_leaves_a_message_on_error_rules(tmp_path, local_broker, pki):
    # The cloud is unreachable and its outbox holds one message under
    # drop_newest: the rule's second publish to it is refused.
    unreachable = {"url": f"mqtts://127.0.0.1:{free_port()}", "tls": pki.gateway_tls(),
                   "reconnect": {"min": "1s", "max": "2s"},
                   "outbox": {"max_messages": 1, "overflow": "drop_newest"}}
    rule = {"name": "forward", "sql": "SELECT * FROM 'events/#'",
            "actions": [{"publish": {"topic": "site1/${topic(2)}", "remote": "ops"}}]}
    gw = start(tmp_path, bridge_config(local_broker, {"ops": unreachable}, [], rules=[rule]))
    errors = local_client(local_broker).subscribe("error/rules")
    source = local_client(local_broker)
    source.publish("events/door", '{"open": true}')
    source.publish("events/window", '{"open": false}')

    got = errors.wait_for(1, topic="error/rules", timeout=10)
    doc = json.loads(got[0].text)
    assert doc["rule"] == "forward"
    assert doc["action"] == "rules[0].actions[0]"
    assert "outbox of remote ops refused it" in doc["error"]
    assert doc["topic"] == "events/window"
    assert doc["payload"] == {"open": False}
    assert doc["source"] == "local"
    settle(errors, "error/rules", 1)
    gw.wait_log('Rule action failed. rule=forward action=rules[0].actions[0]')
    assert gw.stop() == 0


def test_a_substituted_topic_with_a_wildcard_fails_onto_error_rules(tmp_path, local_broker):
    rule = {"name": "by_kind", "sql": "SELECT * FROM 'in/#'", "actions": [{"publish": {"topic": "out/${kind}"}}]}
    gw = start(tmp_path, bridge_config(local_broker, {}, [], rules=[rule]))
    watcher = local_client(local_broker).subscribe("error/rules").subscribe("out/#")
    local_client(local_broker).publish("in/x", '{"kind": "a/#"}')
    doc = json.loads(watcher.wait_for(1, topic="error/rules")[0].text)
    assert doc["error"] == 'topic "out/a/#" from "out/${kind}": a topic to publish on cannot contain + or #'
    assert [m.topic for m in watcher.received()] == ["error/rules"]
    assert gw.stop() == 0


def test_rule_output_reaches_the_cloud_through_the_outbox_and_mappings(tmp_path, local_broker, cloud_broker, pki):
    rule = {"name": "too_bright", "sql": f"SELECT lux FROM '{LUX_TOPIC}' WHERE lux > 35000",
            "actions": [{"publish": {"topic": "alerts/${topic(2)}"}},                    # local, mapped out
                        {"publish": {"topic": "direct/${topic(3)}", "remote": "ops"}}]}  # straight to ops
    gw = start(tmp_path, bridge_config(local_broker, {"ops": remote(cloud_broker, pki)},
                                       [{"pattern": "alerts/#", "direction": "out", "remote_prefix": "site1/"}],
                                       rules=[rule]), remotes=("ops",))
    cloud = cloud_client(cloud_broker, pki).subscribe("#")
    local = local_client(local_broker).subscribe("alerts/#")
    local_client(local_broker).publish(LUX_TOPIC, '{"lux": 40000}')
    assert cloud.wait_for(1, topic="site1/alerts/greenhouse")[0].text == '{"lux":40000}'
    assert cloud.wait_for(1, topic="direct/lux1")[0].text == '{"lux":40000}'
    assert local.wait_for(1, topic="alerts/greenhouse")[0].text == '{"lux":40000}'
    settle(cloud, "site1/alerts/greenhouse", 1, seconds=1.0)
    assert gw.stop() == 0


def test_a_rule_inside_a_mapped_topic_does_not_duplicate_what_reaches_the_cloud(tmp_path, local_broker, cloud_broker,
                                                                                pki):
    # sensors/# is mapped out and a rule watches sensors/greenhouse/lux1: over
    # MQTT 5, Mosquitto would deliver each reading once per matching filter.
    rule = {"name": "watch", "sql": f"SELECT * FROM '{LUX_TOPIC}' WHERE lux > 1e9",
            "actions": [{"publish": {"topic": "never"}}]}
    gw = start(tmp_path, bridge_config(local_broker, {"ops": remote(cloud_broker, pki)},
                                       [{"pattern": "sensors/#", "direction": "out"}], rules=[rule]),
               remotes=("ops",))
    cloud = cloud_client(cloud_broker, pki).subscribe("sensors/#")
    sensor = local_client(local_broker)
    for i in range(5):
        sensor.publish(LUX_TOPIC, json.dumps({"lux": i}))
    cloud.wait_for(5, topic=LUX_TOPIC)
    settle(cloud, LUX_TOPIC, 5)
    assert [json.loads(m.text)["lux"] for m in cloud.received(LUX_TOPIC)] == [0, 1, 2, 3, 4]
    assert gw.stop() == 0


def test_rules_test_prints_the_selection_and_the_plan_and_sends_nothing(tmp_path, local_broker):
    gw = Gateway(str(tmp_path), bridge_config(local_broker, {}, [], rules=[TOO_BRIGHT]))
    everything = local_client(local_broker).subscribe("#")
    result = run_cli("rules", "test", "-c", gw.config_path, "--rule", "too_bright", "--topic", LUX_TOPIC,
                     "--payload", '{"lux": 40000, "temperature": 21}', "--source", "device:lux1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"FROM    '{LUX_TOPIC}' matches the topic {LUX_TOPIC}" in out
    assert "WHERE   true" in out
    assert 'SELECT  {"lux":40000,"sensor":"lux1"}' in out
    assert "for     2s: the actions run once, when the WHERE has held that long without a break" in out
    assert '1. publish to local topic alerts/greenhouse (qos 1): {"lux":40000,"sensor":"lux1"}' in out
    assert "If an action fails: publish to local topic error/rules (qos 1)" in out
    assert "Nothing was sent." in out

    dim = run_cli("rules", "test", "-c", gw.config_path, "--rule", "too_bright", "--topic", LUX_TOPIC,
                  "--payload", '{"temperature": 21}')
    assert "WHERE   undefined  (a key it reads is missing or has the wrong type)" in dim.stdout
    assert "The rule would not fire for this message." in dim.stdout

    time.sleep(0.5)
    assert everything.received() == [], "rules test published something"


def test_rules_test_names_the_rules_when_the_name_is_wrong_and_shows_sql_errors(tmp_path, local_broker):
    gw = Gateway(str(tmp_path), bridge_config(local_broker, {}, [], rules=[TOO_BRIGHT]))
    unknown = run_cli("rules", "test", "-c", gw.config_path, "--rule", "too_brigth", "--topic", "x", "--payload", "{}")
    assert unknown.returncode == 64
    assert "no rule named \"too_brigth\"" in unknown.stderr and "rules: too_bright" in unknown.stderr

    broken = dict(TOO_BRIGHT, sql="SELECT lux FORM 'x'")
    gw.write_config(bridge_config(local_broker, {}, [], rules=[broken]))
    bad = run_cli("rules", "test", "-c", gw.config_path, "--rule", "too_bright", "--topic", "x", "--payload", "{}")
    assert bad.returncode == 2
    assert 'rules[0].sql: column 12: expected FROM after the select list, found "FORM"' in bad.stderr


def test_a_sql_error_stops_edgebridge_before_it_starts(tmp_path, local_broker):
    broken = dict(TOO_BRIGHT, sql="SELECT lux FROM 'sensors/#' WHERE lux >")
    gw = Gateway(str(tmp_path), bridge_config(local_broker, {}, [], rules=[broken]))
    result = run_cli("run", "-c", gw.config_path)
    assert result.returncode == 2
    assert "rules[0].sql: column 40: expected a value after '>', found the end of the SQL" in result.stderr


def test_deep_or_huge_payloads_are_refused_with_a_reason_and_crash_nothing(tmp_path, local_broker):
    deep = "[" * 60000 + "]" * 60000  # valid JSON: before the bound, rules test died of SIGSEGV on it
    huge = json.dumps({"lux": 40000, "pad": "x" * (300 * 1024)})
    rule = {"name": "copy", "sql": "SELECT * FROM 'raw/#' WHERE lux IS UNDEFINED",
            "actions": [{"publish": {"topic": "copied/${topic(2)}"}}]}
    gw = Gateway(str(tmp_path), bridge_config(local_broker, {}, [], rules=[rule]))
    for payload, why in [(deep, "the JSON nests arrays and objects more than 64 levels deep"),
                         (huge, f"the JSON is {len(huge)} bytes, over the limit of 262144")]:
        path = tmp_path / "payload.txt"
        path.write_text(payload)  # over the 128 KiB a command-line argument may hold
        result = run_cli("rules", "test", "-c", gw.config_path, "--rule", "copy", "--topic", "raw/a",
                         "--payload-file", str(path))
        assert result.returncode == 0, result.stderr[-2000:]
        assert f"PAYLOAD not parsed: {why}; the rule sees its keys as undefined" in result.stdout
        assert "WHERE   true" in result.stdout

    gw.start(wait_for=("Connected. local",))
    watcher = local_client(local_broker).subscribe("copied/#")
    sensor = local_client(local_broker)
    sensor.publish("raw/deep", deep)
    sensor.publish("raw/ok", json.dumps({"lux": 1}))
    got = watcher.wait_for(1, topic="copied/deep", timeout=5)
    assert got[0].text == deep  # SELECT * passes the bytes through; nothing parsed them
    gw.wait_log("Rules see a payload's keys as undefined: it was not parsed. topic=raw/deep")
    time.sleep(0.5)
    assert watcher.received("copied/ok") == []  # lux is defined there: WHERE false
    assert gw.stop() == 0
