"""The greenhouse that motivated edge rules, end to end, with the cloud down:
a Modbus TCP lux sensor (simulator), an IR-controlled sun shade behind an
iTach (simulator), the local broker, and the mutual-TLS cloud broker stopped
for the whole scenario.

lux rises above 35,000 -> after the hold exactly one `close` reaches the iTach;
lux falls below 20,000 -> after the hold exactly one `open`; a rule whose
command the Modbus device refuses leaves a message on error/rules; and the
readings taken meanwhile reach the cloud, in order, once it is back."""
import json
import time

import pytest


from harness.gateway import Gateway  # noqa: E402
from harness.mqtt import Client  # noqa: E402
from harness.net import wait_until  # noqa: E402
from harness.setups import bridge_config, local_client, remote  # noqa: E402
from itach_sim import ItachSimulator  # noqa: E402
from modbus_sim import ModbusSim  # noqa: E402

CLOSE = "sendir,1:1,1,38000,1,1,343,171,21,21,21,64,21,1517"
OPEN = "sendir,1:1,1,38000,1,1,343,171,21,64,21,21,21,1517"
LUX = "sensors/greenhouse/lux1"
HOLD = 2.0


@pytest.fixture
def lux_sensor():
    sim = ModbusSim()
    unit = sim.add_unit(1)
    unit.set_float32("input", 0, 30000.0)
    sim.start_tcp()
    yield sim, unit
    sim.stop()


@pytest.fixture
def itach():
    sim = ItachSimulator().start()
    yield sim
    sim.stop()


def played(sim: ItachSimulator) -> list[str]:
    names = {CLOSE.split(",", 3)[3]: "close", OPEN.split(",", 3)[3]: "open"}
    return [names.get(line.split(",", 3)[3], "?") for line in sim.sendirs()]


def greenhouse_config(local_broker, cloud_broker, pki, lux_port: int, itach_port: int) -> dict:
    devices = [
        {"name": "lux1", "type": "modbus_tcp", "host": "127.0.0.1", "port": lux_port, "unit_id": 1,
         "topic": LUX, "poll": "250ms",
         "registers": [{"name": "lux", "table": "input", "address": 0, "type": "float32"},
                       {"name": "lamp", "table": "holding", "address": 10, "type": "uint16"}],
         "writes": [{"register": "lamp", "min": 0, "max": 100}]},
        {"name": "shade", "type": "ir_tcp", "host": "127.0.0.1", "port": itach_port,
         "topic": "cmd/greenhouse/shade", "codes": {"open": OPEN, "close": CLOSE}, "min_interval": "0s"},
    ]
    rules = [
        {"name": "too_bright", "sql": f"SELECT lux FROM '{LUX}' WHERE lux > 35000", "for": "2s",
         "actions": [{"command": {"device": "shade", "name": "close"}}]},
        {"name": "dim_again", "sql": f"SELECT lux FROM '{LUX}' WHERE lux < 20000", "for": "2s",
         "actions": [{"command": {"device": "shade", "name": "open"}}]},
        # Dims the grow lamp by the daylight; its computed value is outside what
        # the device allows for lamp (0-100), so the device refuses it.
        {"name": "lamp_dimmer", "sql": f"SELECT lux FROM '{LUX}' WHERE lux > 35000", "for": "0s",
         "actions": [{"command": {"device": "lux1", "name": "lamp", "args": {"value": "${round(lux / 100)}"}}}]},
    ]
    return bridge_config(local_broker, {"ops": remote(cloud_broker, pki)},
                         [{"pattern": "sensors/#", "direction": "out", "remote_prefix": "site1/"}],
                         devices=devices, rules=rules)


def test_the_greenhouse_shade_follows_the_light_while_the_cloud_is_down(tmp_path, local_broker, cloud_broker, pki,
                                                                         lux_sensor, itach):
    sim, unit = lux_sensor
    # A cloud subscriber with a persistent session: the cloud broker keeps what
    # arrives for it across its own restart.
    cloud_id = "greenhouse-observer"
    observer = Client(cloud_broker.port, client_id=cloud_id, clean=False, tls=pki.observer_files()).connect()
    observer.subscribe(f"site1/{LUX}", qos=1)
    observer.close()

    gw = Gateway(str(tmp_path), greenhouse_config(local_broker, cloud_broker, pki, sim.port, itach.port))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops", "IR blaster connected. device=shade"))
    local = local_client(local_broker).subscribe(LUX).subscribe("error/rules")
    local.wait_for(2, topic=LUX)

    cloud_broker.stop()
    gw.wait_log("Connection lost. remote=ops")
    outage_from = len(local.received(LUX))

    # Bright: one close, after the hold.
    unit.set_float32("input", 0, 40000.0)
    bright_at = time.monotonic()
    wait_until(lambda: len(itach.sendirs()) >= 1, timeout=10, what="the shade's close")
    closed_at = time.monotonic()
    assert closed_at - bright_at >= HOLD - 0.05, "closed before the light had stayed bright for the hold"
    time.sleep(1.5)
    assert played(itach) == ["close"]

    # The lamp rule's command was refused by the Modbus device: reported on error/rules.
    error = json.loads(local.wait_for(1, topic="error/rules")[0].text)
    assert error["rule"] == "lamp_dimmer"
    assert error["action"] == "rules[2].actions[0]"
    assert error["error"] == '400 is outside the allowed range 0 to 100 for "lamp"'
    assert error["source"] == "device:lux1"
    assert error["payload"]["lux"] == 40000

    # Dim: one open, after the hold.
    unit.set_float32("input", 0, 10000.0)
    dim_at = time.monotonic()
    wait_until(lambda: len(itach.sendirs()) >= 2, timeout=10, what="the shade's open")
    assert time.monotonic() - dim_at >= HOLD - 0.05
    time.sleep(1.5)
    assert played(itach) == ["close", "open"]
    assert len(local.received("error/rules")) == 1  # for: 0s fired once per bright spell

    # The cloud returns: every reading taken during the outage arrives, in order.
    taken = [json.loads(m.text) for m in local.received(LUX)[outage_from:]]
    assert len(taken) >= 16, f"only {len(taken)} readings during the outage"
    cloud_broker.start()
    gw.wait_log("Connected. remote=ops", count=2, timeout=30)
    observer = Client(cloud_broker.port, client_id=cloud_id, clean=False, tls=pki.observer_files()).connect()
    wanted = {r["ts"] for r in taken}

    def delivered():
        got = [json.loads(m.text)["ts"] for m in observer.received(f"site1/{LUX}")]
        return got if wanted <= set(got) else None

    got = wait_until(delivered, timeout=30, what="the outage's readings in the cloud")
    first_deliveries = list(dict.fromkeys(got))  # a resend after a reconnect may repeat one
    assert first_deliveries == sorted(first_deliveries), "readings reached the cloud out of order"
    observer.close()
    assert gw.stop() == 0
    metrics_line = gw.wait_log("Rule fired. rule=dim_again")
    assert "count=1" in metrics_line
