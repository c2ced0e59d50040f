"""How edgebridge behaves as a service: the systemd notification protocol
(READY, WATCHDOG, STOPPING) spoken to a real datagram socket as systemd's
would be, the wait for a plausible clock before any TLS handshake, and SIGTERM
in the middle of traffic."""
import os
import signal
import socket
import threading
import time

from harness import outbox_db
from harness.gateway import Gateway
from harness.load import SequencePublisher, first_delivery_order_ok, sequence_numbers
from harness.mqtt import Client
from harness.net import wait_until
from harness.setups import bridge_config, local_client, remote


class NotifySocket:
    """The service manager's end of NOTIFY_SOCKET: collects every datagram."""

    def __init__(self, directory: str):
        self.path = os.path.join(directory, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.messages: list[tuple[float, str]] = []

    def drain(self) -> list[tuple[float, str]]:
        while True:
            try:
                data = self.sock.recv(4096)
            except (socket.timeout, BlockingIOError):
                return self.messages
            self.messages.append((time.monotonic(), data.decode()))

    def states(self, name: str) -> list[float]:
        """When each datagram holding NAME=... arrived."""
        return [t for t, text in self.drain() if any(line.startswith(name + "=") for line in text.split("\n"))]

    def close(self) -> None:
        self.sock.close()


def test_systemd_hears_ready_then_watchdog_pings_then_stopping(tmp_path, local_broker, cloud_broker, pki):
    notify = NotifySocket(str(tmp_path))
    gw = Gateway(str(tmp_path), bridge_config(local_broker, {"ops": remote(cloud_broker, pki)},
                                              [{"pattern": "a/#"}]))
    gw.env["NOTIFY_SOCKET"] = notify.path
    gw.env["WATCHDOG_USEC"] = "1000000"  # WatchdogSec=1s: a ping every half second
    gw.start(wait_for=("Gateway started",))
    wait_until(lambda: notify.states("READY"), timeout=10, what="READY=1")
    status = [text for _, text in notify.drain() if text.startswith("READY=1")][0]
    assert "STATUS=Running; 1 remote(s)" in status
    wait_until(lambda: len(notify.states("WATCHDOG")) >= 4, timeout=10, what="four watchdog pings")
    pings = notify.states("WATCHDOG")
    gaps = [b - a for a, b in zip(pings, pings[1:])]
    # Each gap must be inside the 1 s watchdog, or systemd would kill the service.
    assert max(gaps) < 1.0, f"watchdog gaps {gaps}"
    assert gw.stop(signal.SIGTERM) == 0
    assert notify.states("STOPPING")
    notify.close()


def test_without_notify_socket_nothing_is_sent_and_the_gateway_runs(tmp_path, local_broker, cloud_broker, pki):
    gw = Gateway(str(tmp_path), bridge_config(local_broker, {"ops": remote(cloud_broker, pki)},
                                              [{"pattern": "a/#"}]))
    gw.env.pop("NOTIFY_SOCKET", None)
    gw.env.pop("WATCHDOG_USEC", None)
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    assert gw.stop() == 0


def test_remotes_wait_for_a_plausible_clock_while_messages_are_stored(tmp_path, local_broker, cloud_broker, pki):
    """A Pi without a real-time clock boots in 2020: no TLS handshake can
    succeed, so remotes wait, say why, and connect once NTP sets the clock."""
    clock_file = os.path.join(str(tmp_path), "clock")
    with open(clock_file, "w") as f:
        f.write(str(1_577_836_800))  # 2020-01-01T00:00:00Z
    observer = Client(cloud_broker.port, tls=pki.observer_files()).connect().subscribe("seq/#", qos=1)
    gw = Gateway(str(tmp_path), bridge_config(local_broker, {"ops": remote(cloud_broker, pki)},
                                              [{"pattern": "seq/#"}]))
    gw.env["EDGEBRIDGE_CLOCK_FILE"] = clock_file
    gw.start(wait_for=("Connected. local",))
    line = gw.wait_log("Not connecting yet. remote=ops")
    assert "2020-01-01T00:00:00Z" in line and "not synchronised" in line
    count = 500
    SequencePublisher(local_broker.port, "seq/c", count, rate=1000).run()
    outbox = os.path.join(gw.state_dir, "outbox.db")
    wait_until(lambda: len(outbox_db.rows(outbox, "ops")) == count, timeout=20,
               what="every message stored while the clock is wrong")
    assert not observer.received(), "nothing may reach the cloud before the clock is right"
    assert gw.count_log("Connected. remote=ops") == 0
    with open(clock_file + ".new", "w") as f:
        f.write(str(int(time.time())))  # NTP has set the clock
    os.replace(clock_file + ".new", clock_file)
    gw.wait_log("Ready to connect. remote=ops")
    gw.wait_log("Connected. remote=ops")
    seqs = sequence_numbers(observer.wait_for(count, timeout=30))
    assert set(seqs) == set(range(1, count + 1))
    assert first_delivery_order_ok(seqs)
    assert gw.count_log("Not connecting yet. remote=ops") == 1, "one line for the wait, not one per second"
    assert gw.stop() == 0
    observer.close()


def test_sigterm_under_load_exits_zero_within_5s_and_loses_nothing(tmp_path, local_broker, cloud_broker, pki):
    observer = Client(cloud_broker.port, tls=pki.observer_files()).connect().subscribe("seq/#", qos=1)
    gw = Gateway(str(tmp_path), bridge_config(local_broker, {"ops": remote(cloud_broker, pki)},
                                              [{"pattern": "seq/#"}]))
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    count = 6000
    publisher = SequencePublisher(local_broker.port, "seq/t", count, rate=1500)
    thread = publisher.start_thread()
    wait_until(lambda: len(observer.received()) >= 1000, timeout=30, what="traffic flowing")
    t0 = time.monotonic()
    rc = gw.stop(signal.SIGTERM, timeout=5.0)
    stopped_in = time.monotonic() - t0
    assert rc == 0
    gw.wait_log("Gateway stopped")
    # The publisher keeps going: the local broker queues for the gateway's persistent session.
    thread.join(timeout=60)
    assert publisher.acked == count
    gw.start(wait_for=("Connected. local", "Connected. remote=ops"))
    wait_until(lambda: set(range(1, count + 1)) <= set(sequence_numbers(observer.received())), timeout=60,
               what="every published message at the cloud")
    seqs = sequence_numbers(observer.received())
    print(f"\nSIGTERM under load: stopped in {stopped_in:.2f}s; {count} published, "
          f"{len(set(seqs))} delivered, {len(seqs) - len(set(seqs))} duplicates")
    assert gw.stop() == 0
    observer.close()


class SilentServer:
    """Accepts TCP connections and never answers: a cloud endpoint that hangs
    in the TLS handshake (a middlebox, a dead load balancer)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"mqtts://localhost:{self.port}"
        self.accepted: list[socket.socket] = []
        self.sock.settimeout(0.2)
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
                self.accepted.append(conn)
            except (socket.timeout, OSError):
                continue

    def close(self):
        self._stop = True
        self._thread.join(timeout=5)
        for c in self.accepted:
            c.close()
        self.sock.close()


def test_sigterm_while_a_remote_hangs_in_its_tls_handshake_exits_within_5s(tmp_path, local_broker, pki):
    silent = SilentServer()
    config = bridge_config(local_broker, {"ops": remote(silent, pki)}, [{"pattern": "a/#"}])
    gw = Gateway(str(tmp_path), config)
    gw.start(wait_for=("Connected. local",))
    wait_until(lambda: silent.accepted, timeout=10, what="the gateway's TCP connection to the silent server")
    t0 = time.monotonic()
    assert gw.stop(signal.SIGTERM, timeout=5.0) == 0
    print(f"\nSIGTERM during a hanging TLS handshake: stopped in {time.monotonic() - t0:.2f}s")
    silent.close()
