"""A socat pty pair standing in for a serial device: the gateway opens one end,
the test plays the device on the other."""
import os
import select
import signal
import subprocess
import time
import tty

from .net import wait_until


class PtyPair:
    """socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B: the gateway
    opens A, the test reads and writes B."""

    def __init__(self, directory: str, name: str):
        self.gateway_end = os.path.join(directory, f"{name}-gw")
        self.device_end = os.path.join(directory, f"{name}-dev")
        self.log = os.path.join(directory, f"{name}-socat.log")
        self.proc = None
        self.fd = -1

    def start(self) -> "PtyPair":
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                ["socat", "-d", "-d", f"pty,raw,echo=0,link={self.gateway_end}",
                 f"pty,raw,echo=0,link={self.device_end}"], stdout=log, stderr=log)
        wait_until(lambda: os.path.exists(self.gateway_end) and os.path.exists(self.device_end), 10,
                   what=f"socat links {self.gateway_end}")
        self.fd = os.open(self.device_end, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd)
        return self

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            select.select([], [self.fd], [], 5)
            n = os.write(self.fd, view)
            view = view[n:]

    def read(self, timeout: float, until: bytes | None = None) -> bytes:
        """What the gateway wrote within `timeout` (or until `until` arrived)."""
        out = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (until and out.endswith(until)):
            ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
            if ready:
                try:
                    out += os.read(self.fd, 4096)
                except BlockingIOError:
                    pass
        return out

    def stop(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)
        self.proc = None
