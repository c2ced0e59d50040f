"""A small MQTT client for tests (paho-mqtt 1.6): it records what arrives and
waits for it with deadlines."""
import ssl
import threading
import time
from dataclasses import dataclass, field

import paho.mqtt.client as paho


@dataclass
class Received:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        return self.payload.decode(errors="replace")


class Client:
    def __init__(self, port: int, *, client_id: str = "", tls=None, v5: bool = False, clean: bool = True,
                 host: str = "127.0.0.1"):
        self.port = port
        self.host = host
        self.v5 = v5
        protocol = paho.MQTTv5 if v5 else paho.MQTTv311
        if v5:
            self.c = paho.Client(client_id=client_id, protocol=protocol)
        else:
            self.c = paho.Client(client_id=client_id, clean_session=clean, protocol=protocol)
        self.c.max_inflight_messages_set(1000)
        self.c.max_queued_messages_set(0)
        if tls:
            self.c.tls_set(ca_certs=tls.ca_file, certfile=tls.cert_file, keyfile=tls.key_file,
                           tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.c.on_message = self._on_message
        self.c.on_connect = self._on_connect
        self.c.on_disconnect = lambda *a: self.connected.clear()

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        if (rc == 0) or (hasattr(rc, "value") and rc.value == 0):
            self.connected.set()

    def _on_message(self, client, userdata, msg):
        with self.lock:
            self.messages.append(Received(msg.topic, msg.payload, msg.qos, bool(msg.retain)))

    def connect(self, timeout: float = 10.0) -> "Client":
        self.c.connect(self.host, self.port, keepalive=30)
        self.c.loop_start()
        if not self.connected.wait(timeout):
            raise TimeoutError(f"test client could not connect to {self.host}:{self.port}")
        return self

    def subscribe(self, topic: str, qos: int = 1) -> "Client":
        done = threading.Event()
        self.c.on_subscribe = lambda *a: done.set()
        self.c.subscribe(topic, qos)
        if not done.wait(10):
            raise TimeoutError(f"no SUBACK for {topic}")
        return self

    def publish(self, topic: str, payload, qos: int = 1, retain: bool = False, wait: bool = True):
        info = self.c.publish(topic, payload, qos=qos, retain=retain)
        if wait:
            info.wait_for_publish(timeout=10)
            if not info.is_published():
                raise TimeoutError(f"publish to {topic} not acknowledged")
        return info

    def received(self, topic: str | None = None) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if topic is None or m.topic == topic]

    def wait_for(self, count: int, topic: str | None = None, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while True:
            got = self.received(topic)
            if len(got) >= count:
                return got
            if time.monotonic() > deadline:
                raise TimeoutError(f"expected {count} message(s){' on ' + topic if topic else ''}, got "
                                   f"{len(got)}: {[(m.topic, m.text[:60]) for m in got][:10]}")
            time.sleep(0.02)

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def close(self) -> None:
        try:
            self.c.disconnect()
        finally:
            self.c.loop_stop()
