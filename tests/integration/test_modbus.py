"""Modbus RTU and TCP devices with the real binary, a real local Mosquitto and a
Modbus server played by adapters/modbus/sim/modbus_sim.py: Modbus TCP on a port the OS
hands out, Modbus RTU over a socat pty pair. Readings out, checked writes in,
the coalesced plan on the wire, and the devices that misbehave."""
import json
import time

import pytest

from harness.gateway import Gateway, run_cli
from harness.net import wait_until
from harness.setups import bridge_config, cloud_client, local_client, remote

from modbus_sim import ModbusSim, Socat  # noqa: E402


@pytest.fixture
def sim():
    s = ModbusSim()
    yield s
    s.stop()


@pytest.fixture
def socat(tmp_path):
    pair = Socat(str(tmp_path)).start()
    yield pair
    pair.stop()


def tcp_device(sim, name, registers, **keys) -> dict:
    d = {"name": name, "type": "modbus_tcp", "host": "127.0.0.1", "port": sim.port,
         "topic": f"sensors/{name}", "poll": "500ms", "registers": registers}
    d.update(keys)
    return d


def start(tmp_path, local_broker, devices, remotes=None, topics=None) -> Gateway:
    config = bridge_config(local_broker, remotes or {}, topics or [], devices=devices)
    gw = Gateway(str(tmp_path), config)
    needles = ["Connected. local"] + [f"Connected. remote={name}" for name in (remotes or {})]
    return gw.start(wait_for=tuple(needles))


def readings(client, topic):
    return [json.loads(m.text) for m in client.received(topic)]


def wait_reading(client, topic, predicate, timeout=10.0):
    """The first reading on `topic` for which predicate(reading) holds."""
    def found():
        for r in readings(client, topic):
            if predicate(r):
                return r
        return None
    return wait_until(found, timeout, what=f"a reading on {topic} matching the condition; got "
                                           f"{readings(client, topic)[-3:]}")


def polls_from_log(requests, gap=0.15):
    """Groups server-side requests into polls: a poll's requests come back to back."""
    polls, current, last = [], [], None
    for r in requests:
        if last is not None and r.at - last > gap:
            polls.append(current)
            current = []
        current.append((r.function, r.address, r.count))
        last = r.at
    if current:
        polls.append(current)
    return polls


def test_tcp_device_publishes_one_json_reading_per_poll_and_follows_changes(tmp_path, local_broker, sim):
    unit = sim.add_unit(1)
    unit.set_float32("input", 0, 31250.5)
    unit.set("holding", 10, 214)
    unit.set("coil", 0, 1)
    sim.start_tcp()
    local = local_client(local_broker).subscribe("sensors/#")
    gw = start(tmp_path, local_broker, [tcp_device(sim, "lux1", [
        {"name": "lux", "table": "input", "address": 0, "type": "float32", "unit": "lx"},
        {"name": "temperature", "address": 10, "type": "int16", "scale": 0.1, "unit": "°C"},
        {"name": "fan", "table": "coil", "address": 0},
    ])])
    first = local.wait_for(1, topic="sensors/lux1")[0]
    reading = json.loads(first.text)
    assert list(reading) == ["ts", "lux", "temperature", "fan"]
    assert reading["lux"] == 31250.5 and reading["temperature"] == 21.4 and reading["fan"] is True
    assert reading["ts"].endswith("Z") and "T" in reading["ts"]

    # The device drops idle connections (many do): the next poll reconnects without an error.
    sim.drop_connections()
    unit.set("holding", 10, 0xFFFF - 34)  # -3.5 °C as int16
    wait_reading(local, "sensors/lux1", lambda r: r["temperature"] == -3.5)
    assert sim.connections == 2
    assert not local.received("sensors/lux1/error")

    assert local.wait_for(1, topic="sensors/lux1/status")[0].text == "online"
    # Status and meta are retained: a client arriving later gets them at once.
    late = local_client(local_broker).subscribe("sensors/lux1/+")
    status = late.wait_for(1, topic="sensors/lux1/status")[0]
    assert status.text == "online" and status.retain
    meta = json.loads(late.wait_for(1, topic="sensors/lux1/meta")[0].text)
    assert meta["registers"]["lux"] == {"table": "input", "address": 0, "type": "float32", "unit": "lx"}
    assert gw.stop() == 0
    # Stopping says so: the retained status is offline.
    assert local.wait_for(2, topic="sensors/lux1/status")[-1].text == "offline"


def test_requests_per_poll_are_the_coalesced_plan(tmp_path, local_broker, sim):
    """40 registers in two tables cost two requests per poll, exactly the plan."""
    unit = sim.add_unit(1)
    unit.set("input", 0, list(range(1000, 1024)))
    for i in range(8):
        unit.set_float32("holding", 100 + 2 * i, 0.5 + i)
    unit.set("holding", 120, list(range(8)))
    sim.start_tcp()
    registers = ([{"name": f"in{i}", "table": "input", "address": i} for i in range(24)]
                 + [{"name": f"f{i}", "address": 100 + 2 * i, "type": "float32"} for i in range(8)]
                 + [{"name": f"h{i}", "address": 120 + i, "type": "int16"} for i in range(8)])
    local = local_client(local_broker).subscribe("sensors/#")
    gw = start(tmp_path, local_broker, [tcp_device(sim, "plc", registers, poll="400ms")])
    local.wait_for(4, topic="sensors/plc", timeout=15)
    assert gw.stop() == 0

    plan = [(4, 0, 24), (3, 100, 28)]  # input 0-23, holding 100-127 (a gap of 4 is read through)
    polls = polls_from_log(sim.log(unit=1))
    assert len(polls) >= 4
    assert all(p == plan for p in polls), polls
    last = json.loads(local.received("sensors/plc")[-1].text)
    assert last["in23"] == 1023 and last["f7"] == 7.5 and last["h7"] == 7

    # The commissioning CLI reads the same plan and prints every value with its raw words.
    sim.clear_log()
    out = run_cli("modbus", "read", "-c", gw.config_path, "plc")
    assert out.returncode == 0, out.stderr
    assert "plan: 2 request(s) per poll: input 0-23 (24 registers), holding 100-127 (28 registers)" in out.stdout
    assert "f7" in out.stdout and "0x40F0 0x0000  = 7.5" in out.stdout
    assert [(r.function, r.address, r.count) for r in sim.log()] == plan
    one = run_cli("modbus", "read", "-c", gw.config_path, "plc", "f3")
    assert one.returncode == 0 and "holding 106-107 (2 registers): ok" in one.stdout


def test_an_exception_at_one_address_costs_only_that_register(tmp_path, local_broker, sim):
    unit = sim.add_unit(1)
    unit.set("holding", 0, [11, 22, 33])
    unit.exceptions[("holding", 1)] = 2  # illegal data address
    sim.start_tcp()
    local = local_client(local_broker).subscribe("sensors/#")
    gw = start(tmp_path, local_broker, [tcp_device(sim, "pump", [
        {"name": "a", "address": 0}, {"name": "b", "address": 1}, {"name": "c", "address": 2}])])
    reading = wait_reading(local, "sensors/pump", lambda r: "a" in r)
    assert reading["a"] == 11 and reading["c"] == 33 and "b" not in reading
    error = json.loads(local.wait_for(1, topic="sensors/pump/error")[0].text)
    assert error["device"] == "pump" and error["registers"] == ["b"]
    assert error["kind"] == "exception" and error["exception"] == 2
    assert error["error"] == "Illegal data address"
    assert (error["table"], error["address"], error["count"]) == ("holding", 1, 1)
    gw.wait_log("reading its parts one by one")
    local.wait_for(4, topic="sensors/pump")
    # The same error is not repeated every poll (output.error_repeat, 5 min).
    assert len(local.received("sensors/pump/error")) == 1
    assert gw.stop() == 0


def test_slow_garbled_and_short_replies_are_reported_and_never_poison_the_next_read(tmp_path, local_broker, sim):
    unit = sim.add_unit(1)
    unit.set("input", 100, 7)
    unit.delays[("input", 100)] = 0.2     # slow, within the timeout
    unit.delays[("input", 200)] = 1.0     # slower than the timeout
    unit.garbage.add(("input", 300))      # not a Modbus frame
    unit.truncate.add(("input", 400))     # half a frame
    unit.set("holding", 0, 1)
    sim.start_tcp()
    local = local_client(local_broker).subscribe("sensors/#")
    gw = start(tmp_path, local_broker, [tcp_device(sim, "odd", [
        {"name": "slow", "table": "input", "address": 100},
        {"name": "too_slow", "table": "input", "address": 200},
        {"name": "garbled", "table": "input", "address": 300},
        {"name": "short", "table": "input", "address": 400},
        {"name": "counter", "address": 0},
    ], poll="3s", timeout="500ms", retries=0)])
    first = wait_reading(local, "sensors/odd", lambda r: "counter" in r, timeout=15)
    assert first["slow"] == 7 and first["counter"] == 1
    assert not {"too_slow", "garbled", "short"} & set(first)
    errors = {tuple(json.loads(m.text)["registers"]): json.loads(m.text)
              for m in local.wait_for(3, topic="sensors/odd/error", timeout=15)}
    assert errors[("too_slow",)]["kind"] == "timeout"
    assert errors[("garbled",)]["kind"] == "bad_frame"
    assert errors[("short",)]["kind"] == "timeout"
    # The late answer to the timed-out request is never taken for a later one.
    unit.set("holding", 0, 2)
    second = wait_reading(local, "sensors/odd", lambda r: r.get("counter") == 2, timeout=15)
    assert second["slow"] == 7
    assert gw.running()
    assert gw.stop() == 0


def test_rtu_bus_with_a_dead_unit_keeps_the_live_one_on_time(tmp_path, local_broker, sim, socat):
    unit = sim.add_unit(1)
    unit.set("input", 0, 421)
    sim.start_rtu(socat.b)
    common = {"type": "modbus_rtu", "port": socat.a, "serial": {"baud": 115200}, "poll": "1s",
              "registers": [{"name": "level", "table": "input", "address": 0}]}
    live = dict(common, name="live", unit_id=1, topic="sensors/live")
    dead = dict(common, name="dead", unit_id=2, topic="sensors/dead", timeout="300ms", retries=1)
    local = local_client(local_broker).subscribe("sensors/#")
    gw = start(tmp_path, local_broker, [live, dead])
    assert local.wait_for(1, topic="sensors/dead/status", timeout=10)[0].text == "offline"
    error = json.loads(local.wait_for(1, topic="sensors/dead/error")[0].text)
    assert error["kind"] == "timeout" and error["registers"] == ["level"]
    got = local.wait_for(6, topic="sensors/live", timeout=15)
    assert json.loads(got[-1].text)["level"] == 421
    assert local.received("sensors/live/status")[0].text == "online"
    # While the service owns the line, the commissioning CLI is kept off it.
    busy = run_cli("modbus", "read", "-c", gw.config_path, "live")
    assert busy.returncode == 3
    assert "the port is in use by another process" in busy.stderr
    assert gw.stop() == 0
    # On time: the live unit was asked once a second, however long the dead one kept the bus.
    asked = [r.at for r in sim.log(unit=1)]
    gaps = [b - a for a, b in zip(asked, asked[1:])]
    assert len(gaps) >= 5
    assert all(0.6 < g < 1.4 for g in gaps), gaps
    # The silent unit costs one attempt per poll once it is known silent, not 1 + retries.
    dead_polls = polls_from_log(sim.log(unit=2), gap=0.5)
    assert all(len(p) == 1 for p in dead_polls[1:]), dead_polls
    assert not local.received("sensors/dead")


def test_usb_adapter_unplugged_and_plugged_back_recovers_by_itself(tmp_path, local_broker, sim, socat):
    unit = sim.add_unit(1)
    unit.set("input", 0, 5)
    sim.start_rtu(socat.b)
    local = local_client(local_broker).subscribe("sensors/#")
    gw = start(tmp_path, local_broker, [{
        "name": "tank", "type": "modbus_rtu", "port": socat.a, "serial": {"baud": 115200},
        "topic": "sensors/tank", "poll": "500ms", "timeout": "200ms", "offline_after": 2,
        "reconnect": {"min": "1s", "max": "2s"},
        "registers": [{"name": "level", "table": "input", "address": 0}]}])
    local.wait_for(2, topic="sensors/tank")

    socat.stop()  # the device nodes disappear
    sim.stop()
    # The read in flight fails (EIO on the vanished pty); then the port cannot be reopened.
    wait_until(lambda: [m for m in local.received("sensors/tank/error") if "is not connected" in m.text], 10,
               what="an error saying the bus is not connected")
    kinds = {json.loads(m.text)["kind"] for m in local.received("sensors/tank/error")}
    assert kinds == {"link_down"}
    wait_until(lambda: [m for m in local.received("sensors/tank/status") if m.text == "offline"], 10,
               what="status offline")
    gw.wait_log("Modbus connect failed")

    socat.start()  # plugged back: new pty, same path
    replugged = ModbusSim()
    replugged.add_unit(1).set("input", 0, 6)
    replugged.start_rtu(socat.b)
    try:
        wait_reading(local, "sensors/tank", lambda r: r["level"] == 6, timeout=15)
        assert local.received("sensors/tank/status")[-1].text == "online"
    finally:
        replugged.stop()
    assert gw.stop() == 0


def test_writes_from_the_local_broker_are_checked_then_reach_the_register(tmp_path, local_broker, sim):
    unit = sim.add_unit(1)
    unit.set("holding", 10, 200)
    sim.start_tcp()
    local = local_client(local_broker).subscribe("sensors/#")
    gw = start(tmp_path, local_broker, [tcp_device(sim, "climate", [
        {"name": "temperature", "table": "input", "address": 0, "type": "int16", "scale": 0.1},
        {"name": "setpoint", "address": 10, "type": "int16", "scale": 0.1},
        {"name": "fan", "table": "coil", "address": 0},
    ], poll="1s", writes=[{"register": "setpoint", "min": 5, "max": 35},
                          {"register": "fan", "values": [True, False]}])])
    local.wait_for(1, topic="sensors/climate")
    results = "sensors/climate/set/result"

    local.publish("sensors/climate/set", json.dumps({"register": "setpoint", "value": 22.5, "id": "w1"}))
    ok = json.loads(local.wait_for(1, topic=results)[0].text)
    assert ok["status"] == "ok" and ok["id"] == "w1" and ok["register"] == "setpoint"
    assert unit.get("holding", 10) == 225
    wait_reading(local, "sensors/climate", lambda r: r["setpoint"] == 22.5)

    local.publish("sensors/climate/set", json.dumps({"register": "fan", "value": True}))
    assert json.loads(local.wait_for(2, topic=results)[1].text)["status"] == "ok"
    assert unit.get("coil", 0) == 1

    local.publish("sensors/climate/set", json.dumps({"register": "setpoint", "value": 99}))
    local.publish("sensors/climate/set", json.dumps({"register": "temperature", "value": 20}))
    local.publish("sensors/climate/set", "close the vents")
    stale = int((time.time() - 120) * 1000)
    local.publish("sensors/climate/set", json.dumps({"register": "setpoint", "value": 30, "ts": stale}))
    local.publish("sensors/climate/set", json.dumps({"register": "setpoint", "value": 30}), retain=True)
    refused = [json.loads(m.text) for m in local.wait_for(7, topic=results)[2:]]
    assert refused[0]["status"] == "rejected"
    assert refused[0]["error"] == '99 is outside the allowed range 5 to 35 for "setpoint"'
    assert refused[1]["status"] == "rejected" and '"temperature" is not writable' in refused[1]["error"]
    assert refused[2]["status"] == "rejected" and "not a JSON object" in refused[2]["error"]
    assert refused[3]["status"] == "expired" and "ttl of 30s" in refused[3]["error"]
    assert refused[4]["status"] == "rejected" and "retained commands are refused" in refused[4]["error"]
    local.publish("sensors/climate/set", b"", retain=True)  # clear it from the broker
    # Nothing but the two accepted writes reached the device.
    writes = [(r.function, r.address) for r in sim.log() if r.function in (5, 6, 15, 16)]
    assert writes == [(6, 10), (5, 0)]
    assert unit.get("holding", 10) == 225
    assert gw.stop() == 0


def test_a_write_from_the_cloud_through_an_in_mapping_reaches_the_register(tmp_path, local_broker, cloud_broker,
                                                                          pki, sim):
    unit = sim.add_unit(1)
    unit.set("holding", 10, 200)
    sim.start_tcp()
    topics = [{"pattern": "sensors/+/set", "direction": "in", "remote_prefix": "site1/"},
              {"pattern": "sensors/#", "direction": "out", "remote_prefix": "site1/"}]
    gw = start(tmp_path, local_broker, [tcp_device(sim, "climate", [
        {"name": "setpoint", "address": 10, "type": "int16", "scale": 0.1}], poll="1s",
        writes=[{"register": "setpoint", "min": 5, "max": 35}])],
        remotes={"ops": remote(cloud_broker, pki)}, topics=topics)
    cloud = cloud_client(cloud_broker, pki).subscribe("site1/#")
    cloud.wait_for(1, topic="site1/sensors/climate", timeout=15)
    cloud.publish("site1/sensors/climate/set", json.dumps({"register": "setpoint", "value": 18}))
    result = json.loads(cloud.wait_for(1, topic="site1/sensors/climate/set/result", timeout=15)[0].text)
    assert result["status"] == "ok"
    assert unit.get("holding", 10) == 180
    cloud.publish("site1/sensors/climate/set", json.dumps({"register": "setpoint", "value": 40}))
    refused = json.loads(cloud.wait_for(2, topic="site1/sensors/climate/set/result", timeout=15)[1].text)
    assert refused["status"] == "rejected" and "outside the allowed range 5 to 35" in refused["error"]
    assert unit.get("holding", 10) == 180
    assert gw.stop() == 0


def test_scan_lists_the_units_that_answer(sim):
    sim.add_unit(1).set("holding", 0, 0x1234)
    sim.add_unit(3).exceptions[("holding", 0)] = 2
    sim.start_tcp()
    out = run_cli("modbus", "scan", "--host", "127.0.0.1", "--tcp-port", str(sim.port), "--units", "1-4",
                  "--timeout", "100ms")
    assert out.returncode == 0, out.stderr
    assert "unit   1: answers (holding 0 (1 register) = 0x1234)" in out.stdout
    assert "unit   2: no answer" in out.stdout
    assert "unit   3: answers with exception 2 (Illegal data address)" in out.stdout
    assert "2 unit(s) answered: 1 3" in out.stdout


def test_scan_of_an_empty_rtu_line_says_what_to_check(sim, socat):
    sim.start_rtu(socat.b)
    out = run_cli("modbus", "scan", "--port", socat.a, "--baud", "115200", "--units", "1-3", "--timeout", "50ms")
    assert out.returncode == 3
    assert "no unit answered. Check A/B wiring" in out.stdout


def test_a_bad_register_map_is_refused_with_line_and_column(tmp_path):
    path = tmp_path / "bridge.yaml"
    path.write_text("gateway: { id: t, state_dir: " + str(tmp_path / "state") + " }\n"
                    "devices:\n"
                    "  - name: m\n"
                    "    type: modbus_tcp\n"
                    "    host: 127.0.0.1\n"
                    "    topic: sensors/m\n"
                    "    registers:\n"
                    "      - { name: a, address: 0, type: float }\n"
                    "    writes:\n"
                    "      - { register: a }\n")
    out = run_cli("check", "-c", str(path))
    assert out.returncode == 2
    assert 'bridge.yaml:8:38: error: devices[0].registers[0].type: "float" is not valid; did you mean "float32"?' \
        in out.stderr
