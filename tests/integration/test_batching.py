"""Batching (docs/batching.md) with real brokers and the real binary: many
readings in one cloud publish, durable, in order, idempotent.

Every reading carries {"seq": n}; the cloud side unpacks the batches it
receives and checks the entries: all there, in order, none twice (or, after a
lost PUBACK, again with the same id)."""
import json
import os
import random
import signal
import time

from harness import outbox_db
from harness.brokers import Mosquitto
from harness.gateway import Gateway, run_cli
from harness.load import SequencePublisher
from harness.mqtt import Client
from harness.mqtt_standin import MqttStandin
from harness.net import wait_until
from harness.setups import bridge_config, local_client, remote

BATCH_TOPIC = "site1/seq/batch"


def unpack(payload: bytes) -> list[dict]:
    text = payload.decode()
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines()]


def entries(messages) -> list[dict]:
    out = []
    for m in messages:
        out.extend(unpack(m.payload))
    return out


def seqs(found: list[dict]) -> list[int]:
    return [e["payload"]["seq"] for e in found]


def outbox_path(gw: Gateway) -> str:
    return os.path.join(gw.state_dir, "outbox.db")


def observer_for(cloud, pki, persistent: bool = False) -> Client:
    if persistent:
        c = Client(cloud.port, client_id="batch-observer", tls=pki.observer_files(), clean=False)
        c.c.reconnect_delay_set(min_delay=0.1, max_delay=0.5)
        return c.connect().subscribe("site1/#", qos=1)
    return Client(cloud.port, tls=pki.observer_files()).connect().subscribe("site1/#", qos=1)


def mapping(**batch) -> list[dict]:
    return [{"pattern": "seq/#", "remote_prefix": "site1/", "batch": batch}]


def metric(gw: Gateway, name: str) -> float:
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{gw.metrics_port}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


def test_10000_readings_at_1000_per_s_behind_100_publishes_per_s_arrive_in_batches_in_order(
        tmp_path, local_broker, cloud_broker, pki):
    observer = observer_for(cloud_broker, pki)
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": remote(cloud_broker, pki, max_publish_rate="100/s")}, mapping(max_messages=100)))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    count = 10_000
    publisher = SequencePublisher(local_broker.port, "seq/reader1", count, rate=1000)
    started = time.monotonic()
    publisher.run()
    wait_until(lambda: len(entries(observer.received(BATCH_TOPIC))) >= count, timeout=120,
               what="every reading at the cloud")
    batches = observer.received(BATCH_TOPIC)
    took = batches[-1].at - started
    got = entries(batches)
    assert seqs(got) == list(range(1, count + 1))  # all, in order, none twice
    ids = [e["id"] for e in got]
    assert len(set(ids)) == count and all(i.startswith("test-gw:ops:") for i in ids)
    assert all(e["topic"] == "site1/seq/reader1" and isinstance(e["ts"], int) for e in got)
    assert observer.received() == batches, "nothing went out unbatched"
    sizes = [len(unpack(b.payload)) for b in batches]
    assert max(sizes) <= 100
    print(f"\n{count} readings at 1,000/s, max_publish_rate 100/s, batches of at most 100: "
          f"{len(batches)} cloud messages ({count / len(batches):.1f} readings each), the last arrived "
          f"{took:.1f}s after the first was published")
    assert took < 30, f"took {took:.1f}s: one publish per reading would take 100 s"
    assert len(batches) <= count // 100 * 1.5
    wait_until(lambda: metric(gw, "edgebridge_outbox_batches_sent_total") == len(batches), timeout=10,
               what="the batch counter")
    assert metric(gw, "edgebridge_outbox_batch_entries_total") == count
    assert gw.stop() == 0
    stats = run_cli("outbox", "stats", "-c", gw.config_path).stdout
    assert f"batches {len(batches)} sent" in stats, stats
    assert "messages and" in stats and "per batch on average" in stats, stats
    observer.close()


def test_a_trickle_goes_out_when_the_oldest_reading_has_waited_max_delay(tmp_path, local_broker, cloud_broker, pki):
    observer = observer_for(cloud_broker, pki)
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": remote(cloud_broker, pki)}, mapping(max_messages=100, max_delay="700ms")))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    local = local_client(local_broker)
    waited = []
    for seq in (1, 2, 3):
        sent = time.monotonic()
        local.publish("seq/slow", json.dumps({"seq": seq}))
        got = observer.wait_for(seq, topic=BATCH_TOPIC, timeout=10)
        waited.append(got[-1].at - sent)
        assert seqs(unpack(got[-1].payload)) == [seq]
    print(f"\nmax_delay 700ms, one reading at a time: each arrived after {', '.join(f'{w:.2f}s' for w in waited)}")
    assert all(0.6 <= w < 3 for w in waited), waited
    assert gw.stop() == 0
    observer.close()


def test_sigterm_sends_the_partial_batch_before_exiting(tmp_path, local_broker, cloud_broker, pki):
    observer = observer_for(cloud_broker, pki)
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": remote(cloud_broker, pki)}, mapping(max_messages=100, max_delay="1h")))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    local = local_client(local_broker)
    for seq in range(1, 8):
        local.publish("seq/stop", json.dumps({"seq": seq}))
    wait_until(lambda: len(outbox_db.rows(outbox_path(gw), "ops")) == 7, timeout=10, what="7 rows committed")
    time.sleep(0.3)
    assert observer.received() == [], "nothing goes before the hour is up"
    stopped = time.monotonic()
    assert gw.stop(signal.SIGTERM) == 0
    took = time.monotonic() - stopped
    got = observer.wait_for(1, topic=BATCH_TOPIC, timeout=5)
    assert seqs(unpack(got[0].payload)) == list(range(1, 8))
    assert outbox_db.rows(outbox_path(gw), "ops") == [], "acknowledged before the exit, so deleted"
    print(f"\nSIGTERM with 7 readings waiting for max_delay 1h: one batch of 7 sent, exit after {took:.2f}s")
    assert took < 5
    observer.close()


def test_kill_9_during_a_run_loses_no_committed_reading(tmp_path, local_broker, cloud_broker, pki):
    observer = observer_for(cloud_broker, pki)
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": remote(cloud_broker, pki)}, mapping(max_messages=50, max_delay="200ms")))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    count = 6000
    publisher = SequencePublisher(local_broker.port, "seq/k", count, rate=1000)
    thread = publisher.start_thread()
    rng = random.Random(4321)
    committed_at_kill: set[int] = set()
    kills = 0
    while kills < 5:
        time.sleep(rng.uniform(0.4, 1.0))
        gw.kill9()
        kills += 1
        committed_at_kill |= outbox_db.waiting_sequence_numbers(outbox_path(gw), "ops")
        gw.start(wait_for=("Connected. local",), timeout=30)
    thread.join(timeout=120)
    assert publisher.acked == count
    wait_until(lambda: set(seqs(entries(observer.received(BATCH_TOPIC)))) >= set(range(1, count + 1)),
               timeout=120, what="every reading at the cloud")
    wait_until(lambda: len(outbox_db.rows(outbox_path(gw), "ops")) == 0, timeout=60, what="an empty outbox")
    got = entries(observer.received(BATCH_TOPIC))
    received = set(seqs(got))
    assert committed_at_kill <= received, f"committed, never delivered: {sorted(committed_at_kill - received)[:20]}"
    # The local broker's PUBACK waits for the commit: nothing it handed over is lost.
    assert received == set(range(1, count + 1))
    by_seq: dict[int, set[str]] = {}
    by_id: dict[str, set[int]] = {}
    for e in got:
        by_seq.setdefault(e["payload"]["seq"], set()).add(e["id"])
        by_id.setdefault(e["id"], set()).add(e["payload"]["seq"])
    # An id never names two readings, so the cloud never drops a new reading as a repeat.
    assert all(len(seqs_) == 1 for seqs_ in by_id.values()), "an id reused for another reading"
    # An outbox row sent again keeps its id. A reading the local broker itself handed over
    # twice (killed after the commit, before the broker had our PUBACK) is two rows, two ids:
    # at most what the broker had in flight to us at each kill.
    twice_from_broker = [seq for seq, ids in by_seq.items() if len(ids) > 1]
    assert len(twice_from_broker) <= kills * 100, twice_from_broker[:20]
    resent = len(got) - len(by_id)
    print(f"\nkill -9 x{kills}: {count} published, {len(received)} delivered in {len(observer.received())} batches, "
          f"{resent} entries sent again with their id, {len(twice_from_broker)} readings the local broker "
          f"delivered twice (new id), {len(committed_at_kill)} committed rows seen at the kills")
    assert gw.stop() == 0
    assert outbox_db.integrity_check(outbox_path(gw)) == "ok"
    observer.close()


def test_batches_stay_within_max_bytes_and_the_clouds_message_size_limit(tmp_path, local_broker, pki):
    # 4,096 payload bytes at most, and the broker does not announce it (Mosquitto's
    # message_size_limit): a larger batch gets PUBACK 0x95 and is sent again in halves.
    cloud = Mosquitto(str(tmp_path), "cloud", tls=pki.server_files(), message_size_limit=4096).start()
    observer = observer_for(cloud, pki)
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": remote(cloud, pki)},
        [{"pattern": "seq/a/#", "remote_prefix": "site1/", "batch": {"max_bytes": 3000, "max_delay": "300ms"}},
         {"pattern": "seq/b/#", "remote_prefix": "site1/", "batch": {"max_delay": "300ms"}}]))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    count = 400
    for topic in ("seq/a/x", "seq/b/x"):
        SequencePublisher(local_broker.port, topic, count, rate=2000, payload_pad=60).run()
    for batch_topic in ("site1/seq/a/batch", "site1/seq/b/batch"):
        wait_until(lambda: len(entries(observer.received(batch_topic))) >= count, timeout=60,
                   what=f"every reading on {batch_topic}")
        assert sorted(seqs(entries(observer.received(batch_topic)))) == list(range(1, count + 1))
    a = [len(m.payload) for m in observer.received("site1/seq/a/batch")]
    b = [len(m.payload) for m in observer.received("site1/seq/b/batch")]
    print(f"\nmax_bytes 3000: {len(a)} batches, largest {max(a)} B; broker limit 4096 (unannounced): "
          f"{len(b)} batches, largest {max(b)} B")
    assert max(a) <= 3000
    assert max(b) <= 4096
    assert gw.count_log("Batch refused as too large") >= 1  # it learned the limit from the 0x95
    r = run_cli("outbox", "dead-letters", "-c", gw.config_path, "--json")
    assert json.loads(r.stdout) == []
    assert gw.stop() == 0
    observer.close()
    cloud.stop()


def test_a_lost_puback_resends_the_same_batch_with_the_same_ids(tmp_path, local_broker, pki):
    standin = MqttStandin(tls=pki.server_files()).start()
    try:
        gw = Gateway(str(tmp_path), bridge_config(
            local_broker, {"ops": {"url": standin.url, "tls": pki.gateway_tls(), "keepalive": "10s",
                                   "reconnect": {"min": "1s", "max": "2s"}}},
            mapping(max_messages=10)))
        gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
        local = local_client(local_broker)
        for seq in range(1, 11):
            local.publish("seq/p", json.dumps({"seq": seq}))
        standin.wait_publishes(1, topic=BATCH_TOPIC)
        standin.behave(silent=True)  # it takes the next batch, and its PUBACK never comes back
        for seq in range(11, 21):
            local.publish("seq/p", json.dumps({"seq": seq}))
        seen = standin.wait_publishes(2, topic=BATCH_TOPIC)
        assert seen[1].answer == "silent"
        standin.drop_connections()
        standin.behave(silent=False)
        seen = standin.wait_publishes(3, topic=BATCH_TOPIC, timeout=20)
        first, again = unpack(seen[1].payload), unpack(seen[2].payload)
        assert seqs(first) == list(range(11, 21))
        assert again == first, "the same batch: same entries, same ids, same timestamps"
        wait_until(lambda: len(outbox_db.rows(outbox_path(gw), "ops")) == 0, timeout=10, what="an empty outbox")
        print(f"\nlost PUBACK: batch of {len(first)} sent again on the next connection, ids "
              f"{first[0]['id']}..{first[-1]['id']} both times")
        assert gw.stop() == 0
    finally:
        errors = standin.errors
        standin.stop()
        assert errors == []


def test_a_cloud_restarted_mid_run_gets_every_reading_and_a_repeat_has_the_same_id(tmp_path, local_broker, pki):
    cloud = Mosquitto(str(tmp_path), "cloud", tls=pki.server_files()).start()
    observer = observer_for(cloud, pki, persistent=True)
    gw = Gateway(str(tmp_path), bridge_config(
        local_broker, {"ops": remote(cloud, pki)}, mapping(max_messages=20, max_delay="100ms")))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    count = 3000
    publisher = SequencePublisher(local_broker.port, "seq/r", count, rate=1000)
    thread = publisher.start_thread()
    time.sleep(1.2)
    cloud.restart()  # batches in flight lose their PUBACK
    thread.join(timeout=60)
    wait_until(lambda: set(seqs(entries(observer.received(BATCH_TOPIC)))) >= set(range(1, count + 1)),
               timeout=60, what="every reading at the cloud")
    got = entries(observer.received(BATCH_TOPIC))
    by_seq: dict[int, set[str]] = {}
    for e in got:
        by_seq.setdefault(e["payload"]["seq"], set()).add(e["id"])
    assert all(len(ids) == 1 for ids in by_seq.values())
    print(f"\ncloud restarted mid-run: {count} readings, {len(got) - count} delivered twice, each with its id")
    assert gw.stop() == 0
    observer.close()
    cloud.stop()
