"""IR blasters over TCP (type: ir_tcp) with the real binary, a real local
Mosquitto and an iTach simulator per device (tests/sim/itach_sim.py).

One gateway serves every test, each test its own device and simulator, so the
whole file runs in seconds."""
import datetime
import json
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "sim"))

from harness.brokers import Mosquitto  # noqa: E402
from harness.gateway import Gateway, run_cli  # noqa: E402
from harness.mqtt import Client  # noqa: E402
from harness.net import wait_until  # noqa: E402
from itach_sim import ItachSimulator  # noqa: E402

CLOSE = "sendir,1:1,1,38000,1,1,343,171,21,21,21,64,21,1517"
OPEN = "sendir,1:1,1,38000,1,1,343,171,21,64,21,21,21,1517"
STOP = "0000 006D 0002 0000 0156 00AB 0015 05ED"  # Pronto: converted at load time

# name -> extra settings; every device gets its own simulator.
DEVICES = {
    "plain": {},
    "busy": {"busy_delay": "50ms", "busy_max_delay": "100ms"},
    "silent": {"reply_timeout": "1s"},
    "late": {"reply_timeout": "300ms"},
    "dropper": {"reconnect": {"min": "1s", "max": "1s"}},
    "refuser": {},
    "held": {"hold": "2s"},
    "motor": {"min_interval": "1h"},
    "flaky": {"reconnect": {"min": "1s", "max": "1s"}, "ttl": "20s"},
}


class Bench:
    def __init__(self, tmp, broker):
        self.broker = broker
        self.sims = {name: ItachSimulator().start() for name in DEVICES}
        devices = []
        for name, extra in DEVICES.items():
            d = {"name": name, "type": "ir_tcp", "topic": f"cmd/ir/{name}", "host": "127.0.0.1",
                 "port": self.sims[name].port, "codes": {"close": CLOSE, "open": OPEN, "stop": STOP}}
            d.update(extra)
            devices.append(d)
        config = {"local": {"url": broker.url, "reconnect": {"min": "1s", "max": "2s"}}, "devices": devices}
        self.gw = Gateway(tmp, config)
        self.gw.start(wait_for=("Connected. local",) + tuple(f"IR blaster connected. device={n} " for n in DEVICES))
        self.client = Client(broker.port).connect().subscribe("cmd/ir/+/result")

    def results(self, name):
        return [json.loads(m.text) for m in self.client.received(f"cmd/ir/{name}/result")]

    def command(self, name, payload, timeout=10.0) -> dict:
        """Publishes a command and returns the result it produced."""
        before = len(self.results(name))
        self.client.publish(f"cmd/ir/{name}", payload if isinstance(payload, str) else json.dumps(payload))
        got = self.client.wait_for(before + 1, topic=f"cmd/ir/{name}/result", timeout=timeout)
        return json.loads(got[before].text)

    def close(self):
        self.client.close()
        rc = self.gw.stop()
        for sim in self.sims.values():
            sim.stop()
        assert rc == 0


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("ir"))
    broker = Mosquitto(tmp, "local").start()
    b = Bench(tmp, broker)
    yield b
    b.close()
    broker.stop()


def sent_ids(sim):
    return [int(line.split(",")[2]) for line in sim.sendirs()]


def played(sim):
    """The code names of the sendirs a simulator received, by their timings."""
    names = {",".join(code.split(",")[6:]): name for name, code in (("close", CLOSE), ("open", OPEN))}
    return [names.get(",".join(line.split(",")[6:]), "?") for line in sim.sendirs()]


def test_a_code_plays_and_its_completeir_is_reported_ok(bench):
    r = bench.command("plain", "close")
    assert r["ok"] is True and r["status"] == "ok" and r["code"] == "close" and r["attempts"] == 1
    datetime.datetime.fromisoformat(r["at"].replace("Z", "+00:00"))
    sent = bench.sims["plain"].sendirs()
    assert len(sent) == 1
    assert sent[0] == CLOSE.replace(",1,38000,", f",{r['sendir_id']},38000,", 1)
    # JSON form with repeat and an id to echo; each send gets a new sendir id.
    r2 = bench.command("plain", {"code": "open", "repeat": 3, "id": "req-42"})
    assert r2["ok"] and r2["id"] == "req-42" and r2["repeat"] == 3
    fields = bench.sims["plain"].sendirs()[1].split(",")
    assert fields[4] == "3" and int(fields[2]) == r2["sendir_id"] != r["sendir_id"]


def test_a_pronto_code_is_sent_as_sendir(bench):
    r = bench.command("plain", "stop")
    assert r["ok"]
    assert bench.sims["plain"].sendirs()[-1] == f"sendir,1:1,{r['sendir_id']},38029,1,1,342,171,21,1517"


def test_busy_emitter_is_retried_with_backoff_until_it_completes(bench):
    sim = bench.sims["busy"]
    sim.behave(busy_times=2)
    r = bench.command("busy", "close")
    assert r["ok"] and r["attempts"] == 3
    ids = sent_ids(sim)
    assert len(ids) == 3 and len(set(ids)) == 3  # a fresh id for every attempt
    assert r["sendir_id"] == ids[-1]


def test_busy_for_longer_than_the_retries_fails_without_playing(bench):
    sim = bench.sims["busy"]
    before = len(sim.sendirs())
    sim.behave(busy_times=100)
    r = bench.command("busy", "open")
    sim.behave()
    assert r["ok"] is False and r["status"] == "failed" and r["error"] == "busy"
    assert len(sim.sendirs()) - before == 6  # the first try and busy_retries (5) more


def test_no_answer_is_reported_as_outcome_unknown_and_never_resent(bench):
    sim = bench.sims["silent"]
    sim.behave(mode="silent")
    started = time.monotonic()
    r = bench.command("silent", "close")
    assert time.monotonic() - started >= 1.0
    assert r["ok"] is False and r["status"] == "unknown" and r["error"] == "timeout"
    assert "may or may not have played" in r["message"] and "not resent" in r["message"]
    time.sleep(1.5)  # longer than the reply timeout again: a resend would have happened by now
    assert len(sim.sendirs()) == 1


def test_a_late_completeir_resolves_an_unknown_outcome(bench):
    sim = bench.sims["late"]
    sim.behave(mode="late", delay=1.0)
    r = bench.command("late", {"code": "close", "id": 7})
    assert r["status"] == "unknown"
    got = bench.client.wait_for(2, topic="cmd/ir/late/result", timeout=5)
    late = json.loads(got[1].text)
    assert late["ok"] is True and late["late"] is True and late["id"] == 7 and late["sendir_id"] == r["sendir_id"]
    assert len(sim.sendirs()) == 1


def test_a_connection_dropped_after_sending_is_outcome_unknown_then_reconnects(bench):
    sim = bench.sims["dropper"]
    sim.behave(mode="drop")
    r = bench.command("dropper", "close")
    assert r["status"] == "unknown" and r["error"] == "connection_lost"
    sim.behave()
    bench.gw.wait_log("IR blaster connected. device=dropper ", count=2, timeout=15)
    assert len(sim.sendirs()) == 1
    assert bench.command("dropper", "open")["ok"]


def test_err_codes_are_translated_into_words(bench):
    sim = bench.sims["refuser"]
    sim.behave(mode="error", error="ERR_1:1,014")
    r = bench.command("refuser", "close")
    assert r["ok"] is False and r["status"] == "failed" and r["error"] == "device_error"
    assert r["device_error"] == "ERR_1:1,014"
    assert r["device_error_meaning"] == "blaster command sent to a connector that is not a blaster"
    sim.behave(mode="error", error="ERR_05")
    assert bench.command("refuser", "close")["device_error_meaning"] == "invalid carrier frequency"


def test_hold_ignores_the_opposite_command_unless_forced(bench):
    sim = bench.sims["held"]
    assert bench.command("held", "close")["ok"]
    r = bench.command("held", "open")
    assert r["ok"] is False and r["status"] == "refused" and r["error"] == "hold"
    assert 0 < r["retry_after_ms"] <= 2000
    assert bench.command("held", "close")["ok"]  # the same code again is not an opposite
    forced = bench.command("held", {"code": "open", "force": True})
    assert forced["ok"]
    assert played(sim) == ["close", "close", "open"]
    # After the hold, the opposite is accepted again.
    time.sleep(2.1)
    assert bench.command("held", "close")["ok"]


def test_min_interval_refuses_any_command_and_says_when_it_is_allowed(bench):
    sim = bench.sims["motor"]
    assert bench.command("motor", "close")["ok"]
    r = bench.command("motor", {"code": "open", "force": True})
    assert r["ok"] is False and r["error"] == "min_interval"
    assert 3_590_000 < r["retry_after_ms"] <= 3_600_000
    assert "try again in 5" in r["message"] or "try again in 1h" in r["message"]
    assert len(sim.sendirs()) == 1


def test_an_unknown_code_is_refused_without_touching_the_device(bench):
    sim = bench.sims["plain"]
    before = len(sim.lines())
    r = bench.command("plain", "fly")
    assert r["ok"] is False and r["status"] == "refused" and r["error"] == "unknown_code"
    assert r["code"] == "fly"
    assert "close, open, stop" in r["message"]
    bad = bench.command("plain", '{"code":"close","repeat":99}')
    assert bad["error"] == "bad_payload"
    time.sleep(0.3)
    assert len(sim.lines()) == before


def test_a_stale_command_is_dropped_not_sent_late(bench):
    sim = bench.sims["plain"]
    before = len(sim.sendirs())
    ten_minutes_ago = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10))
    r = bench.command("plain", {"code": "close", "ts": ten_minutes_ago.isoformat().replace("+00:00", "Z")})
    assert r["ok"] is False and r["status"] == "expired" and "older than the device's ttl of 1m" in r["message"]
    epoch_ms = int(time.time() * 1000) - 120_000
    assert bench.command("plain", {"code": "close", "ts": epoch_ms})["status"] == "expired"
    time.sleep(0.3)
    assert len(sim.sendirs()) == before


def test_reconnects_after_the_itach_restarts_and_sends_what_waited(bench):
    sim = bench.sims["flaky"]
    assert bench.command("flaky", "close")["ok"]
    sim.stop()
    bench.gw.wait_log("IR blaster connection lost. device=flaky ", timeout=10)
    before = len(bench.results("flaky"))
    bench.client.publish("cmd/ir/flaky", "open")  # waits for the connection, within its ttl
    time.sleep(1.5)
    assert len(bench.results("flaky")) == before
    sim.start()  # same port
    got = bench.client.wait_for(before + 1, topic="cmd/ir/flaky/result", timeout=15)
    r = json.loads(got[before].text)
    assert r["ok"] and r["code"] == "open"
    assert played(sim) == ["close", "open"]


def test_ir_send_cli_plays_a_code_for_installers(bench):
    sim = bench.sims["plain"]
    before = len(sim.sendirs())
    done = run_cli("ir", "send", "-c", bench.gw.config_path, "plain", "open", "--repeat", "2")
    assert done.returncode == 0, done.stderr
    assert "plain open: ok (completeir,1:1," in done.stdout
    assert len(sim.sendirs()) == before + 1 and sim.sendirs()[-1].split(",")[4] == "2"
    unknown = run_cli("ir", "send", "-c", bench.gw.config_path, "plain", "fly")
    assert unknown.returncode == 64 and "its codes: close, open, stop" in unknown.stderr
    bench.sims["refuser"].behave(mode="error", error="ERR_1:1,010")
    refused = run_cli("ir", "send", "-c", bench.gw.config_path, "refuser", "close")
    assert refused.returncode == 1 and "odd number of on/off values" in refused.stderr
