"""Load for the outbox tests: a paced QoS 1 publisher with sequence numbers,
and checks on what a subscriber received."""
import json
import threading
import time

import paho.mqtt.client as paho


class SequencePublisher:
    """Publishes {"seq": n, "t": send_time} on `topic` at `rate` per second."""

    def __init__(self, port: int, topic: str, count: int, rate: float, qos: int = 1, start: int = 1,
                 payload_pad: int = 0):
        self.port, self.topic, self.count, self.rate, self.qos = port, topic, count, rate, qos
        self.start_seq = start
        self.pad = "x" * payload_pad
        self.acked = 0
        self._lock = threading.Lock()
        self.done = threading.Event()
        self.c = paho.Client(client_id="", clean_session=True)
        self.c.max_inflight_messages_set(1000)
        self.c.max_queued_messages_set(0)
        self.c.on_publish = self._on_publish

    def _on_publish(self, *args):
        with self._lock:
            self.acked += 1

    def run(self) -> None:
        self.c.connect("127.0.0.1", self.port)
        self.c.loop_start()
        t0 = time.monotonic()
        for i in range(self.count):
            due = t0 + i / self.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            seq = self.start_seq + i
            body = {"seq": seq, "t": time.time()}
            if self.pad:
                body["pad"] = self.pad
            self.c.publish(self.topic, json.dumps(body), qos=self.qos)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with self._lock:
                if self.acked >= self.count:
                    break
            time.sleep(0.02)
        self.c.loop_stop()
        self.c.disconnect()
        self.done.set()

    def start_thread(self) -> threading.Thread:
        t = threading.Thread(target=self.run, daemon=True)
        t.start()
        return t


def sequence_numbers(messages) -> list[int]:
    return [json.loads(m.payload)["seq"] for m in messages]


def first_delivery_order_ok(seqs: list[int]) -> bool:
    """First deliveries keep their order: dropping repeats leaves an increasing list."""
    seen = set()
    firsts = []
    for s in seqs:
        if s not in seen:
            seen.add(s)
            firsts.append(s)
    return firsts == sorted(firsts)


def per_second_counts(messages) -> list[int]:
    if not messages:
        return []
    t0 = messages[0].at
    buckets: dict[int, int] = {}
    for m in messages:
        k = int(m.at - t0)
        buckets[k] = buckets.get(k, 0) + 1
    return [buckets.get(k, 0) for k in range(max(buckets) + 1)]
