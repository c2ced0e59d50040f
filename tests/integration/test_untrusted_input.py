"""Deep and huge JSON on every input surface, with the real binary, a real
local Mosquitto and the real peers: a Modbus TCP server (adapters/modbus/sim/modbus_sim.py),
an iTach (adapters/ir_tcp/sim/itach_sim.py) and a serial device on a socat pty pair.

Each device command topic gets JSON nested 60,000 levels deep and a 300 KiB
JSON document; the serial device also gets them as `json` lines, and
`edgebridge status` gets them from a program posing as the gateway. The gateway
keeps running, the result or error topic says why in words (naming the bound
it broke), nothing it publishes or logs echoes the payload whole, and the
next good command or line still works."""
import http.server
import json
import threading

import pytest


from harness.brokers import Mosquitto  # noqa: E402
from harness.gateway import Gateway, run_cli  # noqa: E402
from harness.mqtt import Client  # noqa: E402
from harness.net import wait_until  # noqa: E402
from harness.pty import PtyPair  # noqa: E402
from itach_sim import ItachSimulator  # noqa: E402
from modbus_sim import ModbusSim  # noqa: E402

CLOSE = "sendir,1:1,1,38000,1,1,343,171,21,21,21,64,21,1517"

DEEP = "[" * 60000 + "]" * 60000                       # valid JSON, 120,000 bytes
DEEP_OPEN = "[" * 60000                                  # the same depth, never closed
HUGE_ID = "x" * (300 * 1024)                             # makes a command 300 KiB
TOO_DEEP = "the JSON nests arrays and objects more than 64 levels deep"
ECHO_CUT = "cut at the echo limit of 128"


class Bench:
    def __init__(self, tmp: str, broker: Mosquitto):
        self.modbus = ModbusSim()
        self.unit = self.modbus.add_unit(1)
        self.unit.set("holding", 10, 200)
        self.modbus.start_tcp()
        self.itach = ItachSimulator().start()
        self.pty = PtyPair(tmp, "probe").start()
        devices = [
            {"name": "climate", "type": "modbus_tcp", "host": "127.0.0.1", "port": self.modbus.port,
             "topic": "sensors/climate", "poll": "1s",
             "registers": [{"name": "setpoint", "address": 10, "type": "int16", "scale": 0.1}],
             "writes": [{"register": "setpoint", "min": 5, "max": 35}]},
            {"name": "shade", "type": "ir_tcp", "host": "127.0.0.1", "port": self.itach.port,
             "topic": "cmd/shade", "codes": {"close": CLOSE}},
            {"name": "probe", "type": "serial_line", "port": self.pty.gateway_end, "topic": "sensors/probe",
             "parser": "json", "max_line": 65536, "writable": True, "max_error_reports": "100/s"},
        ]
        config = {"local": {"url": broker.url, "reconnect": {"min": "1s", "max": "2s"}}, "devices": devices}
        self.gw = Gateway(tmp, config)
        self.gw.start(wait_for=("Connected. local", "Modbus device online. device=climate",
                                "IR blaster connected. device=shade ", "Serial port open. device=probe "))
        self.client = Client(broker.port).connect().subscribe("sensors/#").subscribe("cmd/#")

    def send(self, topic: str, payload: str, result_topic: str) -> dict:
        """Publishes a command and returns the result it produced, checked to be short."""
        before = len(self.client.received(result_topic))
        self.client.publish(topic, payload)
        got = self.client.wait_for(before + 1, topic=result_topic, timeout=20)[before]
        assert len(got.payload) < 1024, f"a result {len(got.payload)} bytes long echoes the payload"
        return json.loads(got.text)

    def assert_alive_and_logs_short(self) -> None:
        assert self.gw.running()
        longest = max(self.gw.lines(), key=len)
        assert len(longest) < 2048, f"a log line of {len(longest)} bytes: {longest[:200]}..."

    def close(self) -> None:
        self.client.close()
        rc = self.gw.stop()
        self.pty.stop()
        self.itach.stop()
        self.modbus.stop()
        assert rc == 0


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("untrusted"))
    broker = Mosquitto(tmp, "local").start()
    b = Bench(tmp, broker)
    yield b
    b.close()
    broker.stop()


def test_modbus_writes_deep_or_huge_are_rejected_and_the_next_write_works(bench):
    results = "sensors/climate/set/result"
    hint = '; send {"register": "<name>", "value": <value>}'
    for payload in (DEEP, '{"register":"setpoint","value":' + DEEP + "}", DEEP_OPEN):
        r = bench.send("sensors/climate/set", payload, results)
        assert r["status"] == "rejected" and r["device"] == "climate"
        assert r["error"] == "the payload was not parsed: " + TOO_DEEP + hint
    huge = json.dumps({"register": "setpoint", "value": 21.5, "id": HUGE_ID})
    r = bench.send("sensors/climate/set", huge, results)
    assert r["status"] == "rejected"
    assert r["error"] == f"the payload was not parsed: the JSON is {len(huge)} bytes, over the limit of 262144" + hint
    # Within the bounds but far longer than anything worth echoing: the result cuts it and says so.
    long_name = "r" * 200000
    r = bench.send("sensors/climate/set", json.dumps({"register": long_name, "value": 21.5}), results)
    assert r["status"] == "rejected"
    assert r["register"] == "r" * 128 + "... [200000 bytes, " + ECHO_CUT + "]"
    assert r["error"].startswith('no register "' + "r" * 128 + "... [200000 bytes, " + ECHO_CUT + ']"')

    r = bench.send("sensors/climate/set", json.dumps({"register": "setpoint", "value": 22.5, "id": "after"}), results)
    assert r["status"] == "ok" and r["id"] == "after"
    assert bench.unit.get("holding", 10) == 225
    bench.gw.wait_log("Modbus command rejected. device=climate register= "
                      f'reason="the payload was not parsed: {TOO_DEEP}')
    bench.assert_alive_and_logs_short()


def test_ir_commands_deep_or_huge_are_refused_and_the_next_command_plays(bench):
    results = "cmd/shade/result"
    hint = '; send a code name or {"code":"close"}'
    for payload in (DEEP, '{"code":"close","repeat":' + DEEP + "}", DEEP_OPEN):
        r = bench.send("cmd/shade", payload, results)
        assert r["ok"] is False and r["status"] == "refused" and r["error"] == "bad_payload"
        assert r["message"] == "the payload was not parsed: " + TOO_DEEP + hint
    huge = json.dumps({"code": "close", "id": HUGE_ID})
    r = bench.send("cmd/shade", huge, results)
    assert r["error"] == "bad_payload"
    assert r["message"] == f"the payload was not parsed: the JSON is {len(huge)} bytes, over the limit of 262144" + hint
    # An id within the bounds is echoed cut, so the result stays short.
    r = bench.send("cmd/shade", json.dumps({"code": "nope", "id": "i" * 200000}), results)
    assert r["error"] == "unknown_code" and r["id"] == "i" * 128 + "... [200000 bytes, " + ECHO_CUT + "]"
    assert bench.itach.sendirs() == []

    r = bench.send("cmd/shade", json.dumps({"code": "close", "id": "after"}), results)
    assert r["ok"] is True and r["status"] == "ok" and r["id"] == "after"
    assert len(bench.itach.sendirs()) == 1
    bench.gw.wait_log('IR command refused. device=shade code="" error=bad_payload '
                      f'reason="the payload was not parsed: {TOO_DEEP}')
    bench.assert_alive_and_logs_short()


def test_serial_writes_deep_or_huge_are_refused_and_the_next_write_is_sent(bench):
    results = "sensors/probe/write/result"
    huge = json.dumps({"data": HUGE_ID})
    for payload in (DEEP, huge):
        r = bench.send("sensors/probe/write", payload, results)
        assert r["ok"] is False and r["status"] == "refused" and r["error"] == "bad_payload"
        assert r["message"] == f"the payload is {len(payload)} bytes; at most 65536 (max_line) may be written"
    r = bench.send("sensors/probe/write", "P", results)
    assert r["ok"] is True and r["bytes"] == 3
    assert bench.pty.read(5, until=b"P\r\n") == b"P\r\n"
    bench.assert_alive_and_logs_short()


def test_serial_json_lines_deep_or_huge_are_bad_lines_and_the_next_line_is_a_reading(bench):
    errors = "sensors/probe/error"
    before = len(bench.client.received(errors))
    bench.pty.write(("[" * 30000 + "]" * 30000 + "\n").encode())  # 60,000 bytes: one line, 30,000 deep
    bench.pty.write((DEEP_OPEN + "\n").encode())                    # 60,000 '[' in one line
    bench.pty.write((DEEP + "\n").encode())                         # 120,000 bytes: longer than max_line
    bench.pty.write((json.dumps({"t": HUGE_ID}) + "\n").encode())   # 300 KiB
    bench.pty.write(b'{"t": 21.5}\n')
    got = [json.loads(m.text) for m in bench.client.wait_for(before + 4, topic=errors, timeout=20)[before:]]
    assert all(len(json.dumps(e)) < 1024 for e in got)
    assert [(e["error"], e["message"]) for e in got[:2]] == [("parse", "the line was not parsed: " + TOO_DEEP)] * 2
    assert [e["error"] for e in got[2:]] == ["overlong", "overlong"]
    assert got[2]["message"].endswith("exceeds max_line (65536) and was dropped")
    reading = wait_until(lambda: [json.loads(m.text) for m in bench.client.received("sensors/probe")
                                  if "t" in json.loads(m.text)], 10, what="the good line's reading")
    assert reading[-1]["t"] == 21.5
    assert got[-1]["bad"] == {"parse": 2, "overlong": 2}
    bench.assert_alive_and_logs_short()


class StatsPoser:
    """Another program on the metrics port: answers /stats with whatever body it is given."""

    def __init__(self):
        poser = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = poser.body.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.body = "{}"
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_status_reads_deep_huge_or_odd_stats_without_crashing(tmp_path):
    poser = StatsPoser()
    try:
        gw = Gateway(str(tmp_path), {"gateway": {"metrics": f"127.0.0.1:{poser.port}"},
                                     "local": {"url": "mqtt://127.0.0.1:1"}})
        where = f"http://127.0.0.1:{poser.port}/stats"

        poser.body = '{"remotes":' + DEEP + "}"
        r = run_cli("status", "-c", gw.config_path)
        assert r.returncode == 3, r.stdout + r.stderr
        assert f"{where}: it answered JSON that was not read: {TOO_DEEP}; is another program on that port?" \
            in r.stdout
        poser.body = "[" + DEEP_OPEN
        assert TOO_DEEP in run_cli("status", "-c", gw.config_path).stdout

        # Every value of the wrong kind, and a 300 KiB error text: printed, cut, never thrown.
        poser.body = json.dumps({"gateway": [1, 2], "uptime_s": "long", "healthy": "yes", "local": [],
                                 "remotes": {"ops": [1], "dr": {"state": 7, "last_error": HUGE_ID,
                                                                "outbox": {"depth": -5, "oldest_age_s": 1e308}}},
                                 "devices": {"lux1": 5}, "rules": {"r": "on"}})
        r = run_cli("status", "-c", gw.config_path)
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout.startswith("gateway [1,2]  version -  up -  UNHEALTHY")
        assert "  last error: " + "x" * 512 + f"... [{len(HUGE_ID)} bytes, cut at the echo limit of 512]" in r.stdout
        assert len(r.stdout) < 4096
    finally:
        poser.stop()
