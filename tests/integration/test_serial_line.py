"""Line-based serial sensors (type: serial_line) with the real binary, a real
local Mosquitto and socat pty pairs: the gateway opens one end, the test plays
the device on the other."""
import json
import time

import pytest

from harness.brokers import Mosquitto
from harness.gateway import Gateway
from harness.mqtt import Client
from harness.pty import PtyPair

GGA = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47"
GGA_BAD_CHECKSUM = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48"
RMC = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A"


DEVICES = {
    "gps": {"parser": "nmea", "max_line": 100, "max_error_reports": "100/s",
            "serial": {"baud": 4800}},
    "weather": {"parser": "csv", "skip_prefixes": ["#"],
                "columns": [{"name": "station", "type": "string"}, "temperature",
                            {"name": "humidity", "type": "integer"}]},
    "scale": {"parser": "json", "writable": True, "write_allow": ["P", "T", "Z"], "delimiter": "\\r\\n"},
    "meter": {"parser": "regex", "pattern": r"E=(?<energy_kwh>[0-9.]+)kWh P=(?<power_kw>[0-9.]+)kW",
              "reopen": {"min": "1s", "max": "1s"}},
}


class Bench:
    def __init__(self, tmp: str, broker: Mosquitto):
        self.ptys = {name: PtyPair(tmp, name).start() for name in DEVICES}
        devices = []
        for name, extra in DEVICES.items():
            d = {"name": name, "type": "serial_line", "topic": f"sensors/{name}", "port": self.ptys[name].gateway_end}
            d.update(extra)
            devices.append(d)
        config = {"local": {"url": broker.url, "reconnect": {"min": "1s", "max": "2s"}}, "devices": devices}
        self.gw = Gateway(tmp, config)
        self.gw.start(wait_for=("Connected. local",) + tuple(f"Serial port open. device={n} " for n in DEVICES))
        self.client = Client(broker.port).connect().subscribe("sensors/#")

    def messages(self, topic):
        return [json.loads(m.text) for m in self.client.received(topic)]

    def wait(self, topic, count, timeout=10.0):
        return [json.loads(m.text) for m in self.client.wait_for(count, topic=topic, timeout=timeout)]

    def close(self):
        self.client.close()
        rc = self.gw.stop()
        for p in self.ptys.values():
            p.stop()
        assert rc == 0


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("serial"))
    broker = Mosquitto(tmp, "local").start()
    b = Bench(tmp, broker)
    yield b
    b.close()
    broker.stop()


def test_nmea_lines_become_readings_and_bad_lines_are_counted(bench):
    gps = bench.ptys["gps"]
    gps.write((GGA + "\r\n").encode())
    gps.write((GGA_BAD_CHECKSUM + "\r\n").encode())
    gps.write(b"$GPGSV," + b"9" * 150 + b"\r\n")  # longer than max_line (100)
    half = len(RMC) // 2
    gps.write(RMC[:half].encode())  # a line in two reads
    time.sleep(0.3)
    gps.write((RMC[half:] + "\r\n").encode())
    readings = bench.wait("sensors/gps", 2)
    assert readings[0]["type"] == "GGA" and readings[0]["lat"] == 48.1173 and readings[0]["lon"] == 11.5166667
    assert readings[0]["fix"] is True and readings[0]["satellites"] == 8 and readings[0]["altitude_m"] == 545.4
    assert readings[1]["type"] == "RMC" and readings[1]["speed_knots"] == 22.4 and readings[1]["course_deg"] == 84.4
    assert readings[1]["datetime"] == "1994-03-23T12:35:19Z"
    assert all(r["ts"].endswith("Z") for r in readings)
    errors = bench.wait("sensors/gps/error", 2)
    assert errors[0]["error"] == "checksum" and "says 48, its data gives 47" in errors[0]["message"]
    assert errors[0]["line"] == GGA_BAD_CHECKSUM
    assert errors[1]["error"] == "overlong" and "max_line (100)" in errors[1]["message"]
    assert errors[1]["lines_bad"] == 2 and errors[1]["bad"] == {"checksum": 1, "overlong": 1}
    time.sleep(0.3)
    assert len(bench.messages("sensors/gps")) == 2 and len(bench.messages("sensors/gps/error")) == 2


def test_csv_columns_are_typed_and_parse_failures_reported(bench):
    weather = bench.ptys["weather"]
    weather.write(b"# station,temperature,humidity\n")  # skipped by prefix
    weather.write(b"north, 21.5, 40\n")
    weather.write(b"north,warm,40\n")
    weather.write(b"\n")  # empty: ignored
    weather.write(b"south,-3.25,\n")
    weather.write(b"st\xffn,1,2\n")  # not UTF-8: published as valid JSON all the same
    readings = bench.wait("sensors/weather", 3)
    assert {k: v for k, v in readings[0].items() if k != "ts"} == {"station": "north", "temperature": 21.5,
                                                                   "humidity": 40}
    assert {k: v for k, v in readings[1].items() if k != "ts"} == {"station": "south", "temperature": -3.25,
                                                                   "humidity": None}
    assert readings[2]["station"] == "st\ufffdn"
    error = bench.wait("sensors/weather/error", 1)[0]
    assert error["error"] == "parse" and "column temperature" in error["message"]
    assert error["lines_ok"] == 1 and error["lines_bad"] == 1
    time.sleep(0.3)
    assert len(bench.messages("sensors/weather/error")) == 1


def test_regex_named_groups_become_fields(bench):
    bench.ptys["meter"].write(b"E=123.4kWh P=0.8kW\n")
    reading = bench.wait("sensors/meter", 1)[-1]
    assert reading["energy_kwh"] == 123.4 and reading["power_kw"] == 0.8


def test_writes_reach_the_port_only_when_writable_and_allowed(bench):
    scale = bench.ptys["scale"]
    scale.write(b'{"weight": 12.5, "unit": "kg"}\r\n')
    reading = bench.wait("sensors/scale", 1)[0]
    assert reading["weight"] == 12.5 and reading["unit"] == "kg"
    bench.client.publish("sensors/scale/write", "P")
    assert scale.read(5.0, until=b"\r\n") == b"P\r\n"
    assert bench.wait("sensors/scale/write/result", 1)[0]["ok"] is True
    bench.client.publish("sensors/scale/write", "X")  # not in write_allow
    refused = bench.wait("sensors/scale/write/result", 2)[1]
    assert refused["ok"] is False and refused["error"] == "not_allowed"
    bench.client.publish("sensors/scale/write", "P\nZ")  # a second line smuggled in
    assert bench.wait("sensors/scale/write/result", 3)[2]["error"] == "bad_payload"
    assert scale.read(0.5) == b""


def test_a_read_only_device_refuses_writes(bench):
    meter = bench.ptys["meter"]
    bench.client.publish("sensors/meter/write", "RESET")
    result = bench.wait("sensors/meter/write/result", 1)[0]
    assert result["ok"] is False and result["status"] == "refused" and result["error"] == "not_writable"
    assert "writable: true" in result["message"]
    assert meter.read(0.5) == b""


def test_the_port_is_reopened_after_it_disappears(bench):
    meter = bench.ptys["meter"]
    before = len(bench.messages("sensors/meter"))
    meter.stop()  # the USB adapter is unplugged
    bench.gw.wait_log("Serial port lost. device=meter ", timeout=10)
    meter.start()  # plugged in again: the same path
    bench.gw.wait_log("Serial port open. device=meter ", count=2, timeout=15)
    meter.write(b"E=124.0kWh P=1.1kW\n")
    reading = bench.wait("sensors/meter", before + 1)[-1]
    assert reading["energy_kwh"] == 124.0
