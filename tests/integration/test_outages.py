"""Outages of the cloud link as a site sees them: the broker down for a while
(back within seconds of it accepting connections again, whatever the backoff
had grown to), with real Mosquitto brokers and the real binary."""
import time

from harness.brokers import Mosquitto
from harness.gateway import Gateway
from harness.load import SequencePublisher, first_delivery_order_ok, sequence_numbers
from harness.mqtt import Client
from harness.net import wait_for_port
from harness.setups import bridge_config, remote
from harness.tcp_proxy import TcpProxy


class PersistentObserver(Client):
    """A cloud subscriber with a persistent session: subscribed before the
    outage; the cloud broker keeps its queue across its own restart."""

    def __init__(self, broker, pki):
        super().__init__(broker.port, client_id="observer", tls=pki.observer_files(), clean=False)
        self.c.reconnect_delay_set(min_delay=0.1, max_delay=0.2)


def test_after_a_20s_outage_the_backlog_is_sent_within_seconds_of_the_broker_coming_back(tmp_path, local_broker, pki):
    cloud = Mosquitto(str(tmp_path), "cloud", tls=pki.server_files()).start()
    observer = PersistentObserver(cloud, pki).connect().subscribe("seq/#", qos=1)
    # The default reconnect policy (1 s growing to 60 s): after 20 s down, the
    # next MQTT attempt may be many seconds away; the reachability check is not.
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": remote(cloud, pki, reconnect={"min": "1s", "max": "60s"})},
        [{"pattern": "seq/#"}]))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    cloud.stop()
    gw.wait_log("Connection lost. remote=ops")
    SequencePublisher(local_broker.port, "seq/a", 200, rate=20).run()  # 10 s of readings during the outage
    time.sleep(10)  # the outage lasts 20 s in all
    attempts_down = gw.count_log("Connect failed. remote=ops")

    cloud.start()
    up = time.monotonic()
    wait_for_port(cloud.port)
    got = observer.wait_for(1, timeout=30)
    first = time.monotonic() - up
    got = observer.wait_for(200, timeout=30)
    last = time.monotonic() - up
    seqs = sequence_numbers(got)
    print(f"\noutage 20 s: broker up -> first message {first:.2f} s, -> last (200th) {last:.2f} s; "
          f"{attempts_down} failed MQTT attempts while down")
    assert set(seqs) == set(range(1, 201))
    assert first_delivery_order_ok(seqs)
    assert first < 5.0, f"the first queued message took {first:.2f} s after the broker came back"
    # Backed-off MQTT attempts, not one a second: the reachability check did the polling.
    assert attempts_down < 15, attempts_down
    assert gw.stop() == 0
    observer.close()
    cloud.stop()


def test_cloud_to_local_messages_sent_while_the_uplink_is_cut_arrive_after_it_returns(
        tmp_path, local_broker, cloud_broker, pki):
    """The uplink breaks while the cloud has QoS 1 messages for an `in` mapping
    (mid-burst, or published during the reconnect): the cloud keeps them in
    the gateway's session and sends them once it is back. With a clean session
    the cloud discards them, and its in-flight ones, at the break."""
    proxy = TcpProxy(cloud_broker.port).start()
    try:
        gw = Gateway(str(tmp_path), bridge_config(
            local_broker, {"ops": remote(cloud_broker, pki, url=proxy.url("mqtts"))},
            [{"pattern": "cmd/#", "direction": "in", "qos": 1}]))
        gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
        local = Client(local_broker.port, client_id="local-sub").connect().subscribe("cmd/#", qos=1)
        cloud = Client(cloud_broker.port, client_id="cloud-pub", tls=pki.observer_files()).connect()
        cloud.publish("cmd/0", "before", qos=1)
        local.wait_for(1, topic="cmd/0")  # the gateway's subscription is in place
        proxy.refuse(True)
        proxy.drop_all()
        gw.wait_log("Connection lost. remote=ops")
        for i in range(1, 21):
            cloud.publish(f"cmd/{i}", str(i), qos=1)
        proxy.refuse(False)
        gw.wait_log("Connected. remote=ops", count=2, timeout=30)
        deadline = time.monotonic() + 15
        while len({m.topic for m in local.received()}) < 21 and time.monotonic() < deadline:
            time.sleep(0.1)
        got = sorted({m.topic for m in local.received()}, key=lambda t: int(t.split("/")[1]))
        assert got == [f"cmd/{i}" for i in range(21)], f"{21 - len(got)} of 21 missing: got {got}"
        assert gw.stop() == 0
        local.close()
        cloud.close()
    finally:
        proxy.stop()
