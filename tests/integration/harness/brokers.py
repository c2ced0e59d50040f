"""Mosquitto brokers started by the tests: a plain one for the local side and a
mutual-TLS one (require_certificate) standing in for the cloud."""
import getpass
import os
import signal
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


class Mosquitto:
    def __init__(self, workdir: str, name: str, tls: TlsFiles | None = None, persistence: bool = True,
                 max_queued: int = 1_000_000, extra: str = ""):
        self.workdir = os.path.join(workdir, name)
        os.makedirs(self.workdir, exist_ok=True)
        self.name = name
        self.tls = tls
        self.persistence = persistence
        self.max_queued = max_queued
        self.extra = extra
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
