"""The status page an installer opens on site (GET / on gateway.metrics), in a
real headless Chromium at a phone's width and a laptop's: the links, the
outbox, the dead letters, the devices and the rules, as the gateway runs with a
Modbus lux sensor and an iTach shade (simulators), the local broker and a
mutual-TLS cloud broker that goes away. Screenshots are saved in the test's
directory (status-page-360.png, status-page-1280.png)."""
import json
import re
import urllib.error
import urllib.request

import pytest

from harness.brokers import Mosquitto
from harness.browser import Browser
from harness.gateway import Gateway
from harness.net import wait_until
from harness.setups import bridge_config, local_client, remote

from itach_sim import ItachSimulator  # noqa: E402
from modbus_sim import ModbusSim  # noqa: E402

LUX = "sensors/greenhouse/lux1"
CLOSE = "sendir,1:1,1,38000,1,1,343,171,21,21,21,64,21,1517"
OPEN = "sendir,1:1,1,38000,1,1,343,171,21,64,21,21,21,1517"
# A topic whose name is markup: the page must show it as text, never run it.
MARKUP_TOPIC = "sensors/<script>window.__injected=1</script><img src=x onerror=window.__injected=2>"


def get(gw: Gateway, path: str, method: str = "GET") -> tuple[int, bytes, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{gw.metrics_port}{path}", method=method,
                                     data=b"x" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def card(browser: Browser, kind: str, name: str) -> str:
    """The visible text of one card: kind device, rule or outbox (by remote)."""
    attribute = "remote" if kind == "outbox" else kind
    return browser.text(f".{kind}[data-{attribute}={json.dumps(name)}]")


def depth_shown(browser: Browser) -> int | None:
    text = browser.text('.outbox[data-remote="ops"] .depth')
    return int(text.replace(",", "")) if re.fullmatch(r"[\d,]+", text or "") else None


@pytest.fixture
def greenhouse(tmp_path, local_broker, pki):
    lux = ModbusSim()
    lux.add_unit(1).set_float32("input", 0, 40000.0)
    lux.start_tcp()
    itach = ItachSimulator().start()
    cloud = Mosquitto(str(tmp_path), "cloud", tls=pki.server_files()).start()
    devices = [
        {"name": "lux1", "type": "modbus_tcp", "host": "127.0.0.1", "port": lux.port, "unit_id": 1,
         "topic": LUX, "poll": "500ms",
         "registers": [{"name": "lux", "table": "input", "address": 0, "type": "float32"}]},
        {"name": "shade", "type": "ir_tcp", "host": "127.0.0.1", "port": itach.port,
         "topic": "cmd/greenhouse/shade", "codes": {"open": OPEN, "close": CLOSE}, "min_interval": "0s"},
    ]
    rules = [
        {"name": "too_bright", "sql": f"SELECT lux FROM '{LUX}' WHERE lux > 35000", "for": "1h",
         "actions": [{"command": {"device": "shade", "name": "close"}}]},
        {"name": "lux_alert", "sql": f"SELECT lux FROM '{LUX}' WHERE lux > 35000",
         "actions": [{"publish": {"topic": "alerts/lux"}}]},
    ]
    config = bridge_config(local_broker, {"ops": remote(cloud, pki, max_message_size="1KiB")},
                           [{"pattern": "sensors/#", "direction": "out"}], devices=devices, rules=rules,
                           gateway={"health_grace": "2s"})
    gw = Gateway(str(tmp_path), config).start(wait_for=("Connected. local", "Connected. remote=ops", "Serving metrics"))
    try:
        yield gw, cloud
    finally:
        gw.stop()
        cloud.stop()
        itach.stop()
        lux.stop()


def test_an_installer_sees_links_outbox_devices_and_rules_and_the_cloud_going_away(tmp_path, greenhouse, local_broker,
                                                                                  pki):
    gw, cloud = greenhouse
    url = f"http://127.0.0.1:{gw.metrics_port}/"
    with Browser(str(tmp_path), width=360) as browser:
        browser.open(url)
        # The links, the device's reading and the rules arrive from /stats.
        browser.wait_text(lambda t: "remote ops" in t and "40000" in t and "fires in" in t,
                          what="links, the lux reading and the running hold")
        links = browser.text("#links")
        assert re.search(r"local broker\s*online", links), links
        assert re.search(r"remote ops\s*online", links), links
        assert re.search(r"MQTT\s*(5|3\.1\.1)", links), links
        lux = card(browser, "device", "lux1")
        assert re.search(r"modbus_tcp\s*online", lux), lux
        assert "40000" in lux and LUX in lux, lux
        assert re.search(r"requests/poll\s*1\.0", lux), lux
        assert re.search(r"poll latency\s*\d+(\.\d)? ms", lux), lux
        hold = card(browser, "rule", "too_bright")
        assert re.search(r"too_bright\s*holding", hold), hold
        assert re.search(r"fires in (59m|1h 0m)", hold), hold
        assert re.search(r"last fired\s*never", hold), hold
        assert re.search(r"last fired\s*\d\d:\d\d:\d\d \(\d+s ago\)", card(browser, "rule", "lux_alert"))
        gateway = browser.text("#gateway")
        assert gw.config_path in gateway and "plausible" in gateway, gateway

        # A command from the local broker: the shade's card shows it and its outcome.
        client = local_client(local_broker)
        client.publish("cmd/greenhouse/shade", "close")
        shade = browser.wait_text(lambda t: "outcome: ok" in t, selector='.device[data-device="shade"]',
                                  what="the shade's last command and its outcome")
        assert "close" in shade and "cmd/greenhouse/shade" in shade, shade

        # A message the remote cannot take (over max_message_size) on a topic that is markup:
        # a dead letter, its topic shown as text.
        client.publish(MARKUP_TOPIC, "x" * 2048)
        dead = browser.wait_text(lambda t: "Newest" in t, selector="#dead-letters", what="the newest dead letter")
        assert MARKUP_TOPIC in dead, dead
        assert "too_large" in dead, dead
        assert browser.evaluate("window.__injected === undefined")
        assert browser.evaluate("document.scripts.length") == 1
        assert browser.evaluate("document.querySelectorAll('#dead-letters img, #dead-letters script').length") == 0

        # The chart of the last hour is drawn from /history.
        assert browser.evaluate("document.querySelectorAll('.outbox[data-remote=\"ops\"] svg polyline').length") == 2
        assert browser.evaluate(
            "document.querySelector('.outbox[data-remote=\"ops\"] polyline.depth').points.length") >= 2

        # The cloud goes away: the remote turns offline and the depth grows (the sensor keeps reading).
        cloud.stop()
        browser.wait_text(lambda t: re.search(r"remote ops\s*offline", t), selector="#links",
                          what="remote ops offline")
        first = wait_until(lambda: depth_shown(browser), timeout=20, what="messages waiting for ops")
        for i in range(10):
            client.publish("sensors/greenhouse/soil1", json.dumps({"moisture": 30 + i}))
        wait_until(lambda: (depth_shown(browser) or 0) >= first + 10, timeout=20, interval=0.25,
                   what=f"the depth grows beyond {first} + 10")
        browser.wait_text(lambda t: t == "unhealthy", selector="#health", what="unhealthy after the 2 s grace")
        assert "remote ops" in browser.text("#health-text")
        outbox = card(browser, "outbox", "ops")
        assert re.search(r"oldest\s*\d+s old", outbox), outbox
        client.close()

        # A phone: nothing wider than the screen. Then a laptop.
        assert browser.evaluate("document.documentElement.scrollWidth") <= 360
        browser.screenshot(str(tmp_path / "status-page-360.png"))
        browser.resize(1280, 900)
        assert browser.evaluate("document.documentElement.scrollWidth") <= 1280
        browser.screenshot(str(tmp_path / "status-page-1280.png"))
        for name in ("status-page-360.png", "status-page-1280.png"):
            with open(tmp_path / name, "rb") as f:
                assert f.read(8) == b"\x89PNG\r\n\x1a\n"

        # No secrets: the TLS key's path and contents are nowhere on the page.
        text = browser.text()
        assert pki.gateway.key not in text and "PRIVATE KEY" not in text


def test_the_page_is_small_read_only_and_allows_only_its_own_script(greenhouse):
    gw, _ = greenhouse
    status, page, headers = get(gw, "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "connect-src 'self'" in headers["Content-Security-Policy"]
    status, script, headers = get(gw, "/status.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert len(page) + len(script) < 50 * 1024, f"the page weighs {len(page) + len(script)} bytes"
    for path in ("/", "/status.js", "/stats", "/history"):
        assert get(gw, path, method="POST")[0] == 405
    status, body, _ = get(gw, "/history")
    history = json.loads(body)
    assert status == 200 and history["interval_s"] == 10
    assert len(history["remotes"]["ops"]["t"]) >= 1
