"""Mosquitto brokers started by the tests: a plain one for the local side and a
mutual-TLS one (require_certificate) standing in for the cloud, optionally
with an ACL file (reloaded on SIGHUP), max_packet_size and message_size_limit.

What Mosquitto 2.0.11 answers (measured by tests/integration/test_harness_peers.py):
- A QoS 1 publish its ACL denies: PUBACK 0x87 (not authorized) on MQTT 5; a plain
  PUBACK on 3.1.1. Either way the message is dropped and the connection stays.
- An allowed QoS 1 publish nobody subscribed to: PUBACK 0x10 (no matching
  subscribers) on MQTT 5 -- a success code.
- A SUBSCRIBE the ACL gives no read access to is granted (SUBACK QoS 1); nothing is
  delivered on it.
- With require_certificate + use_identity_as_username the ACL's user is the client
  certificate's CN. SIGHUP re-reads acl_file, and the new rules apply at once to
  connections already open.
- A payload over message_size_limit: PUBACK 0x95 (packet too large) on MQTT 5 -- not
  0x83 as mosquitto.conf(5) says; a plain PUBACK on 3.1.1. Dropped, connection stays.
- max_packet_size: the MQTT 5 CONNACK carries Maximum Packet Size. A packet over it
  gets DISCONNECT 0x95 (one byte, no properties) and the close on MQTT 5, a bare close
  on 3.1.1; a CONNECT over it is closed without CONNACK. Mosquitto counts the
  remaining length + 1, so it accepts packets up to max_packet_size + 2 bytes (with a
  2-byte length).
- The MQTT 5 CONNACK also announces Topic Alias Maximum 10, and no Receive Maximum
  here (max_inflight_messages 0 below).
"""
import getpass
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass

from .net import free_port, wait_for_port


@dataclass
class TlsFiles:
    ca_file: str
    cert_file: str
    key_file: str
    require_certificate: bool = True


def acl_text(rules: dict) -> str:
    """An ACL file from {user: [rule, ...]}: a rule is "read|write|readwrite|deny <topic>"
    (or a full "pattern ..." line); the user None holds the rules for clients without a
    user name. With use_identity_as_username the user is the client certificate's CN."""
    def line(rule: str) -> str:
        return rule if rule.startswith(("topic ", "pattern ")) else f"topic {rule}"
    out = [line(r) for r in rules.get(None, [])]
    for user, user_rules in rules.items():
        if user is not None:
            out += ["", f"user {user}"] + [line(r) for r in user_rules]
    return "\n".join(out) + "\n"


class Mosquitto:
    def __init__(self, workdir: str, name: str, tls: TlsFiles | None = None, persistence: bool = True,
                 max_queued: int = 1_000_000, extra: str = "", acl: dict | None = None,
                 max_packet_size: int | None = None, message_size_limit: int | None = None):
        """acl: {user: [rules]} as acl_text() takes; set_acl() changes it later."""
        self.workdir = os.path.join(workdir, name)
        os.makedirs(self.workdir, exist_ok=True)
        self.name = name
        self.tls = tls
        self.persistence = persistence
        self.max_queued = max_queued
        self.extra = extra
        self.max_packet_size = max_packet_size
        self.message_size_limit = message_size_limit
        self.acl_file = os.path.join(self.workdir, "acl") if acl is not None else None
        if acl is not None:
            self._write_acl(acl)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.conf = os.path.join(self.workdir, "mosquitto.conf")
        self.log = os.path.join(self.workdir, "mosquitto.log")

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://127.0.0.1:{self.port}"

    def _write_conf(self) -> None:
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            f"persistence {'true' if self.persistence else 'false'}",
            f"persistence_location {self.workdir}/",
            # What the install docs configure: queue, don't drop, for a client that is away.
            f"max_queued_messages {self.max_queued}",
            "max_inflight_messages 0",
            "log_dest stderr",
            "log_type error", "log_type warning", "log_type notice", "log_type information",
            "connection_messages true",
            # Started as root, mosquitto would switch to user "mosquitto", which cannot
            # read the test's private temporary directory: stay the user we are.
            f"user {getpass.getuser()}",
        ]
        if self.tls:
            lines += [
                f"cafile {self.tls.ca_file}",
                f"certfile {self.tls.cert_file}",
                f"keyfile {self.tls.key_file}",
                f"require_certificate {'true' if self.tls.require_certificate else 'false'}",
                "use_identity_as_username true" if self.tls.require_certificate else "",
                "tls_version tlsv1.2",
            ]
        if self.acl_file:
            lines.append(f"acl_file {self.acl_file}")
        if self.max_packet_size:
            lines.append(f"max_packet_size {self.max_packet_size}")
        if self.message_size_limit:
            lines.append(f"message_size_limit {self.message_size_limit}")
        if self.extra:
            lines.append(self.extra)
        with open(self.conf, "w") as f:
            f.write("\n".join(l for l in lines if l) + "\n")

    def start(self) -> "Mosquitto":
        self._write_conf()
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(["mosquitto", "-c", self.conf], stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        try:
            wait_for_port(self.port, timeout=10)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"mosquitto {self.name} did not start:\n{self.log_text()}")
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def _write_acl(self, rules: dict) -> None:
        tmp = self.acl_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(acl_text(rules))
        os.replace(tmp, self.acl_file)

    def set_acl(self, rules: dict) -> None:
        """Writes a new ACL and, if the broker runs, reloads it (existing connections
        are then checked against the new rules). The broker must have been created
        with an acl, since the config names the file."""
        if not self.acl_file:
            raise RuntimeError(f"mosquitto {self.name} was started without an acl")
        self._write_acl(rules)
        if self.running():
            self.reload()

    def reload(self, timeout: float = 10.0) -> None:
        """SIGHUP: Mosquitto re-reads its config and ACL file. Returns once the reload is
        done: after its "Reloading config." line, a new connection is logged (both
        happen on the broker's one thread, in that order)."""
        before = self.log_text().count("Reloading config.")
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while self.log_text().count("Reloading config.") <= before:
            if time.monotonic() > deadline:
                raise TimeoutError(f"mosquitto {self.name} did not reload:\n{self.log_text()[-3000:]}")
            time.sleep(0.02)
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as probe:
            self.wait_log(f"New connection from 127.0.0.1:{probe.getsockname()[1]} ", timeout)

    def restart(self) -> None:
        self.stop()
        self.start()

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, needle: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.log_text():
            if time.monotonic() > deadline:
                raise TimeoutError(f"'{needle}' not in {self.name} log:\n{self.log_text()[-3000:]}")
            time.sleep(0.05)
