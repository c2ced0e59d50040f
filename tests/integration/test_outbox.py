"""Store-and-forward through the durable outbox, with real brokers and the real
binary: a long cloud outage, kill -9 at random moments, pacing, and the
overflow policies."""
import json
import os
import random
import subprocess
import time

from harness import outbox_db
from harness.brokers import Mosquitto
from harness.gateway import Gateway, run_cli
from harness.load import SequencePublisher, first_delivery_order_ok, sequence_numbers
from harness.mqtt import Client
from harness.net import wait_until
from harness.setups import bridge_config, local_client, remote


class PersistentObserver(Client):
    """A cloud subscriber with a persistent session: it is subscribed before the
    outage, and the cloud broker keeps its queue across its own restart."""

    def __init__(self, broker, pki):
        super().__init__(broker.port, client_id="observer", tls=pki.observer_files(), clean=False)
        self.c.reconnect_delay_set(min_delay=0.1, max_delay=0.5)


def cloud_down_then_up(tmp_path, pki):
    cloud = Mosquitto(str(tmp_path), "cloud", tls=pki.server_files()).start()
    observer = PersistentObserver(cloud, pki).connect().subscribe("seq/#", qos=1)
    cloud.stop()  # persistence keeps the observer's session and subscription
    return cloud, observer


def outbox_path(gw: Gateway) -> str:
    return os.path.join(gw.state_dir, "outbox.db")


def test_a_20000_message_backlog_survives_a_cloud_outage_and_drains_in_order(tmp_path, local_broker, pki):
    cloud, observer = cloud_down_then_up(tmp_path, pki)
    gw = Gateway(str(tmp_path), bridge_config(local_broker, {"ops": remote(cloud, pki)}, [{"pattern": "seq/#"}]))
    gw.start()
    gw.wait_log("Connect failed. remote=ops")
    count = 20_000
    SequencePublisher(local_broker.port, "seq/a", count, rate=2000).run()
    wait_until(lambda: len(outbox_db.rows(outbox_path(gw), "ops")) >= count, timeout=30,
               what="the whole backlog committed to the outbox")
    cloud.start()
    got = observer.wait_for(count, timeout=120)
    seqs = sequence_numbers(got)
    assert set(seqs) == set(range(1, count + 1)), f"missing {sorted(set(range(1, count + 1)) - set(seqs))[:20]}"
    assert first_delivery_order_ok(seqs)
    wait_until(lambda: len(outbox_db.rows(outbox_path(gw), "ops")) == 0, timeout=30, what="an empty outbox")
    print(f"\nbacklog {count}: received {len(seqs)} ({len(seqs) - count} duplicates), in order")
    assert gw.stop() == 0
    observer.close()
    cloud.stop()


def test_kill_9_at_random_moments_loses_nothing(tmp_path, local_broker, cloud_broker, pki):
    observer = Client(cloud_broker.port, tls=pki.observer_files()).connect().subscribe("seq/#", qos=1)
    gw = Gateway(str(tmp_path), bridge_config(local_broker, {"ops": remote(cloud_broker, pki)},
                                              [{"pattern": "seq/#"}]))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    count, rate = 20_000, 2000
    publisher = SequencePublisher(local_broker.port, "seq/k", count, rate=rate)
    thread = publisher.start_thread()
    rng = random.Random(1234)
    committed_at_kill: set[int] = set()
    kills = 0
    t0 = time.monotonic()
    while kills < 10:
        # Random moments spread over the ten seconds of publishing.
        time.sleep(rng.uniform(0.3, 0.9))
        gw.kill9()
        kills += 1
        committed_at_kill |= outbox_db.waiting_sequence_numbers(outbox_path(gw), "ops")
        gw.start(wait_for=("Connected. local",), timeout=30)
    thread.join(timeout=120)
    assert publisher.acked == count
    # Everything the local broker holds for the gateway's session drains too.
    deadline = time.monotonic() + 120
    while len(set(sequence_numbers(observer.received()))) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    wait_until(lambda: len(outbox_db.rows(outbox_path(gw), "ops")) == 0, timeout=60, what="an empty outbox")
    time.sleep(1)
    received = set(sequence_numbers(observer.received()))
    missing_committed = committed_at_kill - received
    assert not missing_committed, f"committed rows never delivered: {sorted(missing_committed)[:20]}"
    lost = sorted(set(range(1, count + 1)) - received)
    duplicates = len(observer.received()) - len(received)
    print(f"\nkill -9 x{kills} over {time.monotonic() - t0:.1f}s: {count} published, {len(received)} delivered, "
          f"lost: {len(lost)}, duplicates: {duplicates}, "
          f"committed-and-waiting rows seen at kills: {len(committed_at_kill)}")
    assert first_delivery_order_ok(sequence_numbers(observer.received()))
    assert gw.stop() == 0
    assert outbox_db.integrity_check(outbox_path(gw)) == "ok"
    # The local broker's PUBACK waits until the cloud acknowledged a message or
    # the outbox committed it: a kill at any moment loses nothing.
    assert not lost, f"lost {len(lost)}: {lost[:20]}"


def test_max_publish_rate_is_never_exceeded_in_any_second(tmp_path, local_broker, pki):
    cloud, _observer = cloud_down_then_up(tmp_path, pki)
    _observer.close()
    gw = Gateway(str(tmp_path), bridge_config(local_broker, {"ops": remote(cloud, pki, max_publish_rate="100/s")},
                                              [{"pattern": "seq/#"}]))
    gw.start()
    count = 600
    SequencePublisher(local_broker.port, "seq/r", count, rate=2000).run()
    wait_until(lambda: len(outbox_db.rows(outbox_path(gw), "ops")) >= count, timeout=30, what="the backlog")
    cloud.start()
    # mosquitto_sub (C) stamps each arrival with the wall clock in nanoseconds.
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(cloud.port), "--cafile",
                            pki.ca.ca_file, "--cert", pki.observer.cert, "--key", pki.observer.key,
                            "-t", "seq/#", "-q", "1", "-F", "%U %p", "-C", str(count), "-W", "60"],
                           stdout=subprocess.PIPE, text=True)
    out, _ = sub.communicate(timeout=90)
    stamps = [float(line.split()[0]) for line in out.splitlines() if line.strip()]
    assert len(stamps) == count
    per_second: dict[int, int] = {}
    for s in stamps:
        per_second[int(s)] = per_second.get(int(s), 0) + 1
    busiest = max(per_second.values())
    full_seconds = sorted(per_second.values())[1:-1]
    print(f"\nmax_publish_rate 100/s: {count} messages over {stamps[-1] - stamps[0]:.2f}s, busiest second "
          f"{busiest}, full seconds {full_seconds}")
    assert busiest <= 100
    assert stamps[-1] - stamps[0] >= (count - 100) / 100  # it was paced, not delivered in a burst
    gw.stop()
    cloud.stop()


def overflow_run(tmp_path, local_broker, pki, policy: str) -> tuple[list[int], str]:
    cloud, observer = cloud_down_then_up(tmp_path, pki)
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": remote(cloud, pki, outbox={"max_messages": 100, "overflow": policy})},
        [{"pattern": "seq/#"}]))
    gw.start()
    SequencePublisher(local_broker.port, "seq/o", 150, rate=500).run()
    wait_until(lambda: gw_counter(gw, "stored") >= 150 - (50 if policy == "drop_newest" else 0), timeout=20,
               what="all 150 handled by the outbox")
    cloud.start()
    got = observer.wait_for(100, timeout=30)
    time.sleep(1)  # nothing more may come
    stats = run_cli("outbox", "stats", "-c", gw.config_path).stdout
    gw.stop()
    observer.close()
    cloud.stop()
    return sequence_numbers(observer.received()), stats


def gw_counter(gw: Gateway, name: str) -> int:
    out = run_cli("outbox", "stats", "-c", gw.config_path).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == name:
            return int(parts[1])
    return 0


def test_a_full_outbox_under_drop_oldest_keeps_the_newest(tmp_path, local_broker, pki):
    seqs, stats = overflow_run(tmp_path, local_broker, pki, "drop_oldest")
    assert sorted(set(seqs)) == list(range(51, 151)), seqs[:10]
    assert "dropped_overflow_oldest" in stats and " 50" in stats.split("dropped_overflow_oldest")[1].splitlines()[0]


def test_a_full_outbox_under_drop_newest_keeps_the_oldest(tmp_path, local_broker, pki):
    seqs, stats = overflow_run(tmp_path, local_broker, pki, "drop_newest")
    assert sorted(set(seqs)) == list(range(1, 101)), seqs[-10:]
    assert "dropped_overflow_newest" in stats and " 50" in stats.split("dropped_overflow_newest")[1].splitlines()[0]
