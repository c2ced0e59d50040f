"""A stand-in for the AWS IoT Device Shadow service, written from the AWS IoT
Developer Guide ("Device Shadow service MQTT topics", "Shadow document
examples", "Device Shadow error messages"), running as a client of the
mutual-TLS cloud broker (Mosquitto), the way the real service sits behind the
AWS IoT message broker.

What it does, as the guide describes it:
- Topics: $aws/things/<thing>/shadow[/name/<name>]/{get,update}; answers on
  get/accepted, get/rejected, update/accepted, update/rejected, update/delta and
  update/documents.
- Documents: state.desired / state.reported merged key by key (null deletes a
  key, "desired": null deletes the section), metadata with a timestamp per key,
  a version that grows by one per accepted update, timestamp (seconds),
  clientToken echoed.
- /get: {state: {desired, reported, delta}, metadata, version, timestamp}; 404
  "No shadow exists with name: ..." when there is none.
- /update: 400 for a payload that is not JSON or has no state; 409 "Version
  conflict" when the request carries a version other than the current one; 413
  over 8 KB; the accepted answer carries the state and metadata of the request.
- /update/delta: after an accepted update whose desired state differs from the
  reported state, with the differing desired keys (state, metadata, version).

Run alone (scripts/demo does), from tests/integration:
    python3 -m harness.shadow_service --port 8883 --cafile ca.pem --cert c.crt --key c.key

The test steers it: reject(code, count) makes the next `count` updates get that
code; set_desired() is the application in the cloud (it publishes an update
through the broker from its own client); requests() records what arrived.
"""
import argparse
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

import paho.mqtt.client as paho

from .mqtt import Client

MAX_PAYLOAD = 8 * 1024
ERROR_TEXT = {400: "Bad Request", 409: "Version conflict", 413: "The payload exceeds the maximum size allowed",
              429: "The request was throttled", 500: "Internal service failure"}


@dataclass
class Shadow:
    desired: dict = field(default_factory=dict)
    reported: dict = field(default_factory=dict)
    meta_desired: dict = field(default_factory=dict)
    meta_reported: dict = field(default_factory=dict)
    version: int = 0


@dataclass
class Request:
    thing: str
    name: str  # "" for the classic shadow
    kind: str  # "get" | "update"
    payload: str
    at: float = field(default_factory=time.monotonic)

    @property
    def doc(self):
        try:
            return json.loads(self.payload)
        except ValueError:
            return None


def delta_of(desired: dict, reported: dict) -> dict:
    return {k: v for k, v in desired.items() if reported.get(k, object()) != v}


def merge(into: dict, meta: dict, update: dict, now: int) -> None:
    """The guide's merge: objects merge key by key at every level, null deletes,
    anything else (arrays too) replaces. Metadata keeps a timestamp per key."""
    for k, v in update.items():
        if v is None:
            into.pop(k, None)
            meta.pop(k, None)
        elif isinstance(v, dict) and isinstance(into.get(k), dict):
            sub_meta = meta.get(k) if isinstance(meta.get(k), dict) and "timestamp" not in meta.get(k) else {}
            merge(into[k], sub_meta, v, now)
            meta[k] = sub_meta
        elif isinstance(v, dict):
            into[k] = {}
            meta[k] = {}
            merge(into[k], meta[k], v, now)
        else:
            into[k] = v
            meta[k] = {"timestamp": now}


class ShadowService:
    def __init__(self, port: int, tls):
        """tls: a client certificate for the broker (ca_file, cert_file, key_file)."""
        self.port = port
        self.tls = tls
        self.lock = threading.Lock()
        self.shadows: dict[tuple[str, str], Shadow] = {}
        self._requests: list[Request] = []
        self._rejections: list[int] = []
        self._operator: Client | None = None
        self._tokens = 0
        self.c = paho.Client(client_id="shadow-service", protocol=paho.MQTTv311)
        self.c.tls_set(ca_certs=tls.ca_file, certfile=tls.cert_file, keyfile=tls.key_file,
                       tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.c.reconnect_delay_set(0.2, 1)
        self.c.on_connect = self._on_connect
        self.c.on_message = self._on_message
        self.subscribed = threading.Event()

    # ---- running ---------------------------------------------------------------
    def start(self) -> "ShadowService":
        self.c.connect("127.0.0.1", self.port, keepalive=30)
        self.c.loop_start()
        if not self.subscribed.wait(10):
            raise TimeoutError("shadow service stand-in could not subscribe")
        return self

    def stop(self) -> None:
        if self._operator:
            self._operator.close()
        self.c.disconnect()
        self.c.loop_stop()

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        if rc != 0:
            return
        done = threading.Event()
        client.on_subscribe = lambda *a: done.set()
        # '+' does not match the '/name/<n>' part: two filters per request kind.
        client.subscribe([("$aws/things/+/shadow/get", 1), ("$aws/things/+/shadow/update", 1),
                          ("$aws/things/+/shadow/name/+/get", 1), ("$aws/things/+/shadow/name/+/update", 1)])
        self.subscribed.set()

    # ---- what the test does -----------------------------------------------------
    def reject(self, code: int, count: int = 1) -> None:
        """The next `count` updates from the gateway are rejected with `code`."""
        with self.lock:
            self._rejections += [code] * count

    def requests(self, thing: str | None = None, kind: str | None = None) -> list[Request]:
        with self.lock:
            return [r for r in self._requests
                    if (thing is None or r.thing == thing) and (kind is None or r.kind == kind)]

    def document(self, thing: str, name: str = "") -> dict | None:
        with self.lock:
            s = self.shadows.get((thing, name))
            if s is None:
                return None
            return {"desired": dict(s.desired), "reported": dict(s.reported),
                    "delta": delta_of(s.desired, s.reported), "version": s.version}

    def set_desired(self, thing: str, desired: dict, name: str = "") -> None:
        """The application in the cloud: an update with a desired state, published
        through the broker like any other client's."""
        if self._operator is None:
            self._operator = Client(self.port, tls=self.tls, client_id="operator").connect()
        self._tokens += 1
        body = {"state": {"desired": desired}, "clientToken": f"operator-{self._tokens}"}
        self._operator.publish(self.prefix(thing, name) + "/update", json.dumps(body))

    def put_desired_offline(self, thing: str, desired: dict, name: str = "") -> None:
        """Desired state changed by an application while nobody listens to the
        delta (the stand-in applies it directly, as the service would)."""
        with self.lock:
            s = self.shadows.setdefault((thing, name), Shadow())
            merge(s.desired, s.meta_desired, desired, int(time.time()))
            s.version += 1

    def publish_delta(self, thing: str, state: dict, version: int, name: str = "") -> None:
        """A delta message as the service sends it (e.g. a late duplicate)."""
        now = int(time.time())
        self._publish(self.prefix(thing, name) + "/update/delta",
                      {"state": state, "metadata": {k: {"timestamp": now} for k in state},
                       "version": version, "timestamp": now})

    @staticmethod
    def prefix(thing: str, name: str = "") -> str:
        return f"$aws/things/{thing}/shadow" + (f"/name/{name}" if name else "")

    # ---- the service ------------------------------------------------------------
    def _publish(self, topic: str, body: dict) -> None:
        self.c.publish(topic, json.dumps(body, separators=(",", ":")), qos=1)

    def _on_message(self, client, userdata, msg):
        parts = msg.topic.split("/")
        # $aws things <thing> shadow [name <n>] get|update
        thing = parts[2]
        name = parts[5] if len(parts) == 7 else ""
        kind = parts[-1]
        payload = msg.payload.decode(errors="replace")
        with self.lock:
            self._requests.append(Request(thing, name, kind, payload))
        prefix = self.prefix(thing, name)
        try:
            doc = json.loads(payload) if payload.strip() else {}
        except ValueError:
            return self._rejected(prefix, kind, 400, "Payload contains invalid json", None)
        token = doc.get("clientToken") if isinstance(doc, dict) else None
        if not isinstance(doc, dict):
            return self._rejected(prefix, kind, 400, "Payload contains invalid json", None)
        if kind == "get":
            return self._get(prefix, thing, name, token)
        return self._update(prefix, thing, name, doc, token, len(msg.payload))

    def _rejected(self, prefix: str, kind: str, code: int, message: str, token) -> None:
        body = {"code": code, "message": message, "timestamp": int(time.time())}
        if token is not None:
            body["clientToken"] = token
        self._publish(f"{prefix}/{kind}/rejected", body)

    def _get(self, prefix, thing, name, token) -> None:
        with self.lock:
            s = self.shadows.get((thing, name))
            if s is None:
                body = None
            else:
                state = {}
                if s.desired:
                    state["desired"] = dict(s.desired)
                if s.reported:
                    state["reported"] = dict(s.reported)
                delta = delta_of(s.desired, s.reported)
                if delta:
                    state["delta"] = delta
                body = {"state": state,
                        "metadata": {"desired": dict(s.meta_desired), "reported": dict(s.meta_reported)},
                        "version": s.version, "timestamp": int(time.time())}
        if body is None:
            return self._rejected(prefix, "get", 404, f"No shadow exists with name: '{thing}'", token)
        if token is not None:
            body["clientToken"] = token
        self._publish(f"{prefix}/get/accepted", body)

    def _update(self, prefix, thing, name, doc, token, size) -> None:
        now = int(time.time())
        gateway = token is not None and not str(token).startswith("operator-")
        with self.lock:
            injected = self._rejections.pop(0) if gateway and self._rejections else None
        if injected is not None:
            return self._rejected(prefix, "update", injected, ERROR_TEXT.get(injected, "error"), token)
        if size > MAX_PAYLOAD:
            return self._rejected(prefix, "update", 413, ERROR_TEXT[413], token)
        state = doc.get("state")
        if not isinstance(state, dict):
            return self._rejected(prefix, "update", 400, "Missing required node: state", token)
        with self.lock:
            s = self.shadows.get((thing, name))
            if "version" in doc and (s is None or doc["version"] != s.version):
                conflict = True
            else:
                conflict = False
                if s is None:
                    s = self.shadows[(thing, name)] = Shadow()
                previous = {"state": {"desired": dict(s.desired), "reported": dict(s.reported)},
                            "version": s.version}
                desired = state.get("desired", {})
                if "desired" in state and desired is None:
                    s.desired.clear()
                    s.meta_desired.clear()
                elif isinstance(desired, dict):
                    merge(s.desired, s.meta_desired, desired, now)
                reported = state.get("reported", {})
                if "reported" in state and reported is None:
                    s.reported.clear()
                    s.meta_reported.clear()
                elif isinstance(reported, dict):
                    merge(s.reported, s.meta_reported, reported, now)
                s.version += 1
                current = {"state": {"desired": dict(s.desired), "reported": dict(s.reported)},
                           "version": s.version}
                delta = {k: v for k, v in delta_of(s.desired, s.reported).items()
                         if isinstance(desired, dict) and k in desired}
                version = s.version
        if conflict:
            return self._rejected(prefix, "update", 409, ERROR_TEXT[409], token)
        accepted = {"state": state,
                    "metadata": {section: {k: {"timestamp": now} for k in (state.get(section) or {})}
                                 for section in ("desired", "reported") if section in state},
                    "version": version, "timestamp": now}
        if token is not None:
            accepted["clientToken"] = token
        self._publish(f"{prefix}/update/accepted", accepted)
        self._publish(f"{prefix}/update/documents", {"previous": previous, "current": current, "timestamp": now})
        if delta:
            body = {"state": delta, "metadata": {k: {"timestamp": now} for k in delta},
                    "version": version, "timestamp": now}
            if token is not None:
                body["clientToken"] = token
            self._publish(f"{prefix}/update/delta", body)


def main() -> None:
    ap = argparse.ArgumentParser(description="AWS IoT Device Shadow service stand-in on an MQTT broker")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cafile", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    args = ap.parse_args()
    service = ShadowService(args.port, SimpleNamespace(ca_file=args.cafile, cert_file=args.cert, key_file=args.key))
    service.start()
    print(f"shadow service stand-in on 127.0.0.1:{args.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()


if __name__ == "__main__":
    main()
