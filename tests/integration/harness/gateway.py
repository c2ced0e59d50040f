"""Runs the real edgebridge binary with a generated bridge.yaml."""
import json
import os
import re
import signal
import subprocess
import threading
import time

from .net import free_port

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def binary() -> str:
    path = os.environ.get("EDGEBRIDGE_BIN", os.path.join(REPO, "build", "test", "gateway", "edgebridge"))
    if not os.path.exists(path):
        raise RuntimeError(f"edgebridge binary not found at {path}; build it or set EDGEBRIDGE_BIN")
    return path


def to_yaml(config: dict) -> str:
    """JSON is YAML: a generated config needs no YAML library."""
    return json.dumps(config, indent=2) + "\n"


# Every process started by a Gateway, so a test that fails half-way does not
# leave its gateway running for the rest of the session (conftest.py ends them).
_running: "set[Gateway]" = set()


def running_gateways() -> "set[Gateway]":
    return set(_running)


def stop_leftover_gateways(before: "set[Gateway]") -> None:
    """Ends the gateways started since `before` that still run (not a module's shared one)."""
    for gw in list(_running - before):
        gw.kill9()


class Gateway:
    def __init__(self, workdir: str, config: dict | str, name: str = "edgebridge"):
        self.workdir = os.path.join(workdir, name)
        os.makedirs(self.workdir, exist_ok=True)
        self.config_path = os.path.join(self.workdir, "bridge.yaml")
        self.log_path = os.path.join(self.workdir, "edgebridge.log")
        self.write_config(config)
        self.proc: subprocess.Popen | None = None
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self.env = dict(os.environ)
        self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
        self.env.setdefault("LSAN_OPTIONS", f"suppressions={REPO}/tests/lsan.supp:print_suppressions=0")

    @property
    def state_dir(self) -> str:
        return os.path.join(self.workdir, "state")

    def write_config(self, config: dict | str) -> None:
        if isinstance(config, dict):
            config = dict(config)
            gw = dict(config.get("gateway", {}))
            gw.setdefault("state_dir", os.path.join(self.workdir, "state"))
            gw.setdefault("id", "test-gw")
            # Each gateway its own metrics port, so gateways never race for the default 9810.
            if not hasattr(self, "metrics_port"):
                self.metrics_port = free_port()
            gw.setdefault("metrics", f"127.0.0.1:{self.metrics_port}")
            config["gateway"] = gw
            text = to_yaml(config)
        else:
            text = config
        with open(self.config_path, "w") as f:
            f.write(text)

    def start(self, wait_for: tuple[str, ...] = ("Connected. local",), timeout: float = 20.0,
              extra_args: tuple[str, ...] = ()) -> "Gateway":
        logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen([binary(), "run", "-c", self.config_path, "--log-level", "debug", *extra_args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env)
        _running.add(self)
        self._reader = threading.Thread(target=self._read, args=(self.proc, logf), daemon=True)
        self._reader.start()
        for needle in wait_for:
            self.wait_log(needle, timeout=timeout)
        return self

    def _read(self, proc, logf) -> None:
        for raw in proc.stdout:
            logf.write(raw)
            logf.flush()
            with self._lock:
                self._lines.append(raw.decode(errors="replace").rstrip("\n"))
        logf.close()

    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    def log_text(self) -> str:
        return "\n".join(self.lines())

    def count_log(self, needle: str) -> int:
        return sum(1 for l in self.lines() if needle in l)

    def wait_log(self, needle: str, timeout: float = 20.0, count: int = 1, regex: bool = False) -> str:
        deadline = time.monotonic() + timeout
        while True:
            hits = [l for l in self.lines() if (re.search(needle, l) if regex else needle in l)]
            if len(hits) >= count:
                return hits[count - 1]
            if self.proc and self.proc.poll() is not None:
                time.sleep(0.2)  # let the reader drain
                hits = [l for l in self.lines() if (re.search(needle, l) if regex else needle in l)]
                if len(hits) >= count:
                    return hits[count - 1]
                raise RuntimeError(f"edgebridge exited ({self.proc.returncode}) before logging '{needle}':\n"
                                   f"{self.log_text()[-4000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"edgebridge did not log '{needle}' within {timeout}s:\n{self.log_text()[-4000:]}")
            time.sleep(0.05)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if not self.proc:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
                raise RuntimeError(f"edgebridge did not stop within {timeout}s after signal {sig}")
        if self._reader:
            self._reader.join(timeout=5)
        rc = self.proc.returncode
        self.proc = None
        _running.discard(self)
        leftover = [l for l in self.lines() if "were not destroyed" in l]
        assert not leftover, leftover  # a libmosquitto client never destroyed (tests/lsan.supp)
        return rc

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        if self._reader:
            self._reader.join(timeout=5)
        self.proc = None
        _running.discard(self)

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)


def run_cli(*args: str, timeout: float = 30.0, env=None) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run([binary(), *args], capture_output=True, text=True, timeout=timeout, env=e)
