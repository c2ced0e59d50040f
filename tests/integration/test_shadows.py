"""Device shadows (issue 13, docs/shadows.md) with the real binary: a Modbus TCP
climate unit (tests/sim/modbus_sim.py) and an iTach IR shade
(tests/sim/itach_sim.py) stand in the AWS IoT Device Shadow service played by
harness/shadow_service.py on the mutual-TLS cloud broker. The uplink runs
through a TcpProxy, so the cloud can go away while everything else stays."""
import json
import os
import sys
import time

import pytest

from harness.gateway import Gateway, run_cli
from harness.net import wait_until
from harness.setups import bridge_config, cloud_client, local_client, remote
from harness.shadow_service import ShadowService
from harness.tcp_proxy import TcpProxy

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "sim"))
from itach_sim import ItachSimulator  # noqa: E402
from modbus_sim import ModbusSim  # noqa: E402

THING = "test-gw-climate1"  # default thing name: <gateway id>-<device>
CLOSE = "sendir,1:1,1,38000,1,1,343,171,21,21,21,64,21,1517"
OPEN = "sendir,1:1,1,38000,1,1,343,171,21,64,21,21,21,1517"


@pytest.fixture
def service(cloud_broker, pki):
    s = ShadowService(cloud_broker.port, pki.observer_files()).start()
    yield s
    s.stop()


@pytest.fixture
def sim():
    s = ModbusSim()
    unit = s.add_unit(1)
    unit.set("input", 0, 214)  # temperature 21.4
    unit.set("holding", 10, 180)  # setpoint 18.0
    s.start_tcp()
    yield s
    s.stop()


@pytest.fixture
def proxy(cloud_broker):
    p = TcpProxy(cloud_broker.port).start()
    yield p
    p.stop()


def climate(sim, **shadow) -> dict:
    return {"name": "climate1", "type": "modbus_tcp", "host": "127.0.0.1", "port": sim.port,
            "topic": "sensors/climate1", "poll": "300ms",
            "registers": [
                {"name": "temperature", "table": "input", "address": 0, "type": "int16", "scale": 0.1,
                 "deadband": 0.05},
                {"name": "setpoint", "address": 10, "type": "int16", "scale": 0.1}],
            "writes": [{"register": "setpoint", "min": 5, "max": 30}],
            "shadow": {"desired": ["setpoint"], "report_interval": "1s", **shadow}}


def make_gateway(tmp_path, local_broker, proxy, pki, devices, gateways) -> Gateway:
    config = bridge_config(local_broker, {"ops": remote(proxy, pki, url=proxy.url("mqtts"))},
                           [{"pattern": "sensors/#", "direction": "out", "qos": 1}], devices=devices)
    gw = Gateway(str(tmp_path), config)
    gateways.append(gw)
    return gw


def start(gw: Gateway) -> Gateway:
    return gw.start(wait_for=("Connected. local", "Connected. remote=ops"))


def reported(service, thing=THING, name=""):
    doc = service.document(thing, name)
    return doc["reported"] if doc else {}


def wait_doc(service, predicate, what, thing=THING, name="", timeout=15.0):
    try:
        return wait_until(lambda: (lambda d: d if d and predicate(d) else None)(service.document(thing, name)),
                          timeout, what=what)
    except TimeoutError as e:
        raise TimeoutError(f"{e}; the shadow in the cloud: {service.document(thing, name)}") from None


@pytest.fixture
def gateways():
    """Every gateway a test starts is stopped, also when the test fails."""
    started = []
    yield started
    for gw in started:
        if gw.running():
            gw.stop()


def writes(sim):
    return [(r.function, r.address) for r in sim.log() if r.function in (5, 6, 15, 16)]


def test_the_shadow_service_stand_in_answers_as_the_developer_guide_describes(cloud_broker, pki, service):
    """The stand-in itself, seen by a client that is not ours (paho): so a broken
    stand-in fails here, not in a gateway test."""
    app = cloud_client(cloud_broker, pki, client_id="app")
    for t in ("get/accepted", "get/rejected", "update/accepted", "update/rejected", "update/delta",
              "update/documents"):
        app.subscribe(f"$aws/things/t1/shadow/{t}").subscribe(f"$aws/things/t1/shadow/name/n1/{t}")
    p = "$aws/things/t1/shadow"

    app.publish(p + "/get", json.dumps({"clientToken": "a"}))
    rejected = json.loads(app.wait_for(1, p + "/get/rejected")[0].text)
    assert rejected["code"] == 404 and rejected["clientToken"] == "a" and "No shadow exists" in rejected["message"]

    app.publish(p + "/update", json.dumps({"state": {"reported": {"x": 1, "e": {"k": "v"}}}, "clientToken": "b"}))
    accepted = json.loads(app.wait_for(1, p + "/update/accepted")[0].text)
    assert accepted["version"] == 1 and accepted["clientToken"] == "b"
    assert accepted["state"] == {"reported": {"x": 1, "e": {"k": "v"}}} and "x" in accepted["metadata"]["reported"]
    docs = json.loads(app.wait_for(1, p + "/update/documents")[0].text)
    assert docs["previous"]["version"] == 0 and docs["current"]["state"]["reported"]["x"] == 1

    app.publish(p + "/update", json.dumps({"state": {"desired": {"x": 2}}, "clientToken": "c"}))
    delta = json.loads(app.wait_for(1, p + "/update/delta")[0].text)
    assert delta["state"] == {"x": 2} and delta["version"] == 2 and delta["metadata"]["x"]["timestamp"] > 0

    app.publish(p + "/get", json.dumps({"clientToken": "d"}))
    got = json.loads(app.wait_for(1, p + "/get/accepted")[0].text)
    assert got["state"] == {"desired": {"x": 2}, "reported": {"x": 1, "e": {"k": "v"}}, "delta": {"x": 2}}
    assert got["version"] == 2 and got["clientToken"] == "d" and got["metadata"]["desired"]["x"]["timestamp"] > 0

    # Nested objects merge; null deletes.
    app.publish(p + "/update", json.dumps({"state": {"reported": {"x": 2, "e": {"k": None}}}, "clientToken": "e"}))
    wait_until(lambda: service.document("t1") and service.document("t1")["reported"] == {"x": 2, "e": {}}, 5,
               what="the merged reported state")
    assert service.document("t1")["delta"] == {}

    app.publish(p + "/update", json.dumps({"state": {"reported": {"x": 3}}, "version": 1, "clientToken": "f"}))
    app.publish(p + "/update", "{not json")
    app.publish(p + "/update", json.dumps({"state": {"reported": {"big": "x" * 9000}}, "clientToken": "g"}))
    app.wait_for(3, p + "/update/rejected")
    service.reject(429)
    app.publish(p + "/update", json.dumps({"state": {"reported": {"x": 4}}, "clientToken": "h"}))
    codes = [json.loads(m.text)["code"] for m in app.wait_for(4, p + "/update/rejected")]
    assert codes == [409, 400, 413, 429]

    # A named shadow is a shadow of its own.
    app.publish(p + "/name/n1/update", json.dumps({"state": {"reported": {"y": 1}}, "clientToken": "i"}))
    assert json.loads(app.wait_for(1, p + "/name/n1/update/accepted")[0].text)["version"] == 1
    assert service.document("t1", "n1")["reported"] == {"y": 1}
    assert [r.kind for r in service.requests("t1")][:2] == ["get", "update"]
    app.close()


def test_readings_become_reported_state_and_a_desired_setpoint_is_written_with_the_command_checks(
        tmp_path, local_broker, cloud_broker, pki, service, sim, proxy, gateways):
    unit = sim.unit(1)
    local = local_client(local_broker).subscribe("shadow/#")
    gw = start(make_gateway(tmp_path, local_broker, proxy, pki, [climate(sim)], gateways))

    # No shadow yet: the gateway's /get gets 404 and it creates the shadow.
    wait_doc(service, lambda d: d["reported"].get("temperature") == 21.4 and d["reported"].get("setpoint") == 18,
             "the readings as reported state")
    assert service.requests(THING, "get")[0].doc["clientToken"]
    first = service.requests(THING, "update")[0].doc
    assert first["clientToken"] and set(first["state"]["reported"]) == {"temperature", "setpoint"}
    gw.wait_log("No shadow in the cloud yet; creating it")

    # The operator sets a setpoint within range: written to the register, reported as read back, delta gone.
    service.set_desired(THING, {"setpoint": 22.5})
    wait_until(lambda: unit.get("holding", 10) == 225, 10, what="setpoint register written")
    wait_doc(service, lambda d: d["reported"].get("setpoint") == 22.5 and d["delta"] == {}, "the delta cleared")
    assert writes(sim) == [(6, 10)]

    # Out of range: not written; the reported state says why under "errors"; logged.
    service.set_desired(THING, {"setpoint": 45})
    doc = wait_doc(service, lambda d: "setpoint" in d["reported"].get("errors", {}), "the refusal reported")
    assert doc["reported"]["errors"]["setpoint"] == '45 is outside the allowed range 5 to 30 for "setpoint"'
    assert doc["delta"] == {"setpoint": 45}
    gw.wait_log("Shadow desired value refused. device=climate1 key=setpoint value=45 reason=")

    # A key the shadow does not accept (temperature is read-only) never reaches the device.
    service.set_desired(THING, {"temperature": 5})
    doc = wait_doc(service, lambda d: "temperature" in d["reported"].get("errors", {}), "the key refused")
    assert doc["reported"]["errors"]["temperature"].startswith("not accepted")
    time.sleep(1.0)
    assert writes(sim) == [(6, 10)] and unit.get("holding", 10) == 225

    # A valid setpoint again clears the error.
    service.set_desired(THING, {"setpoint": 19, "temperature": None})
    wait_doc(service, lambda d: d["reported"].get("setpoint") == 19 and not d["reported"].get("errors"),
             "the new setpoint reported, its error cleared, and the error of the key no longer desired gone")
    assert unit.get("holding", 10) == 190

    # The local view, retained, on the local broker.
    late = local_client(local_broker).subscribe("shadow/climate1/#")
    rep = late.wait_for(1, topic="shadow/climate1/reported")[-1]
    assert rep.retain and json.loads(rep.text)["setpoint"] == 19
    assert json.loads(late.wait_for(1, topic="shadow/climate1/desired")[-1].text)["setpoint"] == 19

    shown = run_cli("shadow", "show", "-c", gw.config_path, "climate1")
    assert shown.returncode == 0, shown.stderr
    assert "thing     test-gw-climate1 (classic shadow) on remote ops" in shown.stdout
    assert '"setpoint":19' in shown.stdout.replace(" ", "")
    assert gw.stop() == 0
    local.close()


def test_an_outage_with_15_changes_ends_in_at_most_2_updates_the_last_equal_to_the_current_reading(
        tmp_path, local_broker, cloud_broker, pki, service, sim, proxy, gateways):
    unit = sim.unit(1)
    cloud = cloud_client(cloud_broker, pki).subscribe("sensors/climate1")
    gw = start(make_gateway(tmp_path, local_broker, proxy, pki, [climate(sim)], gateways))
    wait_doc(service, lambda d: d["reported"].get("temperature") == 21.4, "the first report")

    proxy.refuse(True)
    proxy.drop_all()
    gw.wait_log("Connection lost. remote=ops")
    down_at = time.monotonic()
    values = [round(22.0 + 0.5 * i, 1) for i in range(15)]
    for i, v in enumerate(values):
        unit.set("input", 0, int(round(v * 10)))
        time.sleep(2.0)  # 15 changes over 30 s; the poll (300 ms) sees each
        if i == 7:
            # A restart in the middle of the outage: the pending state is in outbox.db.
            assert gw.stop() == 0
            shown = run_cli("shadow", "show", "-c", gw.config_path)
            assert "temperature" in shown.stdout and "not accepted by the cloud yet" in shown.stdout, shown.stdout
            gw.start(wait_for=("Connected. local", "Device shadow ready"))
    assert time.monotonic() - down_at >= 30
    before = len(service.requests(THING, "update"))
    up_at = time.monotonic()
    proxy.refuse(False)
    wait_doc(service, lambda d: d["reported"].get("temperature") == values[-1], "the latest temperature", timeout=30)
    time.sleep(3.0)  # three report intervals: anything more would have gone by now
    after = [r for r in service.requests(THING, "update")[before:] if r.at >= up_at]
    print(f"FIGURE shadow updates after a 30 s outage with 15 changes: {len(after)}")
    assert 1 <= len(after) <= 2, [r.payload for r in after]
    assert after[-1].doc["state"]["reported"]["temperature"] == values[-1]
    # Readings themselves are not coalesced: every value went through the outbox.
    seen = wait_until(lambda: (lambda s: s if set(values) <= s else None)(
        {json.loads(m.text)["temperature"] for m in cloud.received("sensors/climate1")}), 30,
        what="every reading of the outage delivered")
    assert set(values) <= seen
    assert gw.stop() == 0
    cloud.close()


def test_desired_changed_while_the_gateway_was_down_is_applied_after_reconnect(
        tmp_path, local_broker, cloud_broker, pki, service, sim, proxy, gateways):
    unit = sim.unit(1)
    gw = start(make_gateway(tmp_path, local_broker, proxy, pki, [climate(sim)], gateways))
    wait_doc(service, lambda d: d["reported"].get("setpoint") == 18, "the first report")
    assert gw.stop() == 0
    service.set_desired(THING, {"setpoint": 24})  # nobody listens to the delta now
    wait_doc(service, lambda d: d["delta"] == {"setpoint": 24}, "the desired state in the cloud")
    start(gw)
    wait_until(lambda: unit.get("holding", 10) == 240, 15, what="the setpoint written after the restart")
    wait_doc(service, lambda d: d["reported"].get("setpoint") == 24 and d["delta"] == {}, "the delta cleared")
    assert writes(sim) == [(6, 10)]
    assert gw.stop() == 0


def test_a_stale_delta_writes_nothing_and_a_409_is_recovered(tmp_path, local_broker, cloud_broker, pki, service,
                                                            sim, proxy, gateways):
    unit = sim.unit(1)
    gw = start(make_gateway(tmp_path, local_broker, proxy, pki, [climate(sim)], gateways))
    wait_doc(service, lambda d: d["reported"].get("setpoint") == 18, "the first report")
    service.set_desired(THING, {"setpoint": 21})
    doc = wait_doc(service, lambda d: d["reported"].get("setpoint") == 21 and d["delta"] == {}, "setpoint 21 applied")

    # A delta older than the one applied (a late duplicate, an old version): ignored.
    service.publish_delta(THING, {"setpoint": 12}, version=1)
    gw.wait_log("Shadow delta ignored: not newer than the last one applied")
    time.sleep(1.0)
    assert unit.get("holding", 10) == 210 and writes(sim) == [(6, 10)]

    # 409 version conflict on the next update: get, merge, send again.
    service.reject(409)
    unit.set("input", 0, 300)
    gw.wait_log("Shadow update rejected: version conflict; getting the shadow and sending again.")
    assert "code=409" in gw.wait_log("version conflict")
    wait_doc(service, lambda d: d["reported"].get("temperature") == 30, "the update after the 409")
    assert gw.stop() == 0


def test_an_ir_shade_is_driven_through_its_named_shadow(tmp_path, local_broker, cloud_broker, pki, service, proxy,
                                                        gateways):
    itach = ItachSimulator().start()
    try:
        shade = {"name": "shade", "type": "ir_tcp", "host": "127.0.0.1", "port": itach.port, "topic": "cmd/shade",
                 "codes": {"open": OPEN, "close": CLOSE},
                 "shadow": {"name": "position", "desired": {"shade": {"open": "open", "closed": "close"}}}}
        gw = make_gateway(tmp_path, local_broker, proxy, pki, [shade], gateways)
        gw.start(wait_for=("Connected. local", "Connected. remote=ops", "IR blaster connected. device=shade "))
        thing = "test-gw-shade"
        wait_until(lambda: service.requests(thing, "get"), 10, what="the shadow's /get")
        assert service.requests(thing, "get")[0].name == "position"
        service.set_desired(thing, {"shade": "closed"}, name="position")
        wait_until(lambda: len(itach.sendirs()) == 1, 10, what="the close code sent")
        assert itach.sendirs()[0].split(",")[6:] == CLOSE.split(",")[6:]
        wait_doc(service, lambda d: d["reported"].get("shade") == "closed" and d["delta"] == {},
                 "the shade reported closed", thing=thing, name="position")
        # A value the shadow does not know is refused and explained.
        service.set_desired(thing, {"shade": "ajar"}, name="position")
        doc = wait_doc(service, lambda d: "shade" in d["reported"].get("errors", {}), "the refusal", thing=thing,
                       name="position")
        assert doc["reported"]["errors"]["shade"] == '"ajar" is not one of open, closed'
        assert len(itach.sendirs()) == 1
        service.set_desired(thing, {"shade": "open"}, name="position")
        wait_doc(service, lambda d: d["reported"].get("shade") == "open" and d["delta"] == {},
                 "the shade reported open", thing=thing, name="position")
        assert len(itach.sendirs()) == 2 and itach.sendirs()[1].split(",")[6:] == OPEN.split(",")[6:]
        assert gw.stop() == 0
    finally:
        itach.stop()
