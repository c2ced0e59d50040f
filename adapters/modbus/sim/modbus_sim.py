#!/usr/bin/python3
"""A Modbus server for tests, the benchmark and the demo: Modbus TCP on a port
the OS hands out, or Modbus RTU on one end of a pty pair (socat), serving any
number of unit ids. Besides plain register tables it plays the devices that
make installers' lives hard, at chosen addresses:

  exception  answer a Modbus exception (e.g. 2, illegal data address)
  delay      answer late (a slow device, or one slower than the timeout)
  garbage    answer bytes that are not a valid frame (bad CRC / bad header)
  truncate   answer only the first half of the frame
A unit id that is not configured never answers (a dead or absent device).

Every request is logged with its arrival time, unit, function, address and
count, so a test can check what the gateway asked for and when.

Use it in-process (tests):      sim = ModbusSim(); sim.add_unit(1); sim.start_tcp()
or as a program (demo, bench):  adapters/modbus/sim/modbus_sim.py --tcp-port 5020 --profile greenhouse
"""
import argparse
import math
import os
import selectors
import signal
import socket
import struct
import sys
import termios
import threading
import time
import tty
from dataclasses import dataclass, field

TABLES = ("coil", "discrete", "input", "holding")
READ_FUNCTIONS = {1: "coil", 2: "discrete", 3: "holding", 4: "input"}


def crc16(data: bytes) -> int:
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def with_crc(frame: bytes) -> bytes:
    return frame + struct.pack("<H", crc16(frame))


@dataclass
class Request:
    at: float          # time.monotonic() when the request was complete
    unit: int
    function: int
    address: int
    count: int


@dataclass
class Unit:
    unit_id: int
    tables: dict = field(default_factory=lambda: {t: {} for t in TABLES})
    exceptions: dict = field(default_factory=dict)   # (table, address) -> exception code
    delays: dict = field(default_factory=dict)       # (table, address) -> seconds
    garbage: set = field(default_factory=set)        # (table, address)
    truncate: set = field(default_factory=set)       # (table, address)

    def get(self, table: str, address: int) -> int:
        return self.tables[table].get(address, 0)

    def set(self, table: str, address: int, values) -> None:
        if isinstance(values, int):
            values = [values]
        for i, v in enumerate(values):
            self.tables[table][address + i] = int(v) & (1 if table in ("coil", "discrete") else 0xFFFF)

    def set_float32(self, table: str, address: int, value: float) -> None:
        hi, lo = struct.unpack(">HH", struct.pack(">f", value))
        self.set(table, address, [hi, lo])

    def covering(self, mapping, table: str, address: int, count: int):
        for a in range(address, address + count):
            if (table, a) in mapping:
                return mapping[(table, a)] if isinstance(mapping, dict) else True
        return None


class ModbusSim:
    def __init__(self):
        self.units: dict[int, Unit] = {}
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.port: int | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self._fds: list[int] = []
        self._drop = threading.Event()
        self.connections = 0

    # ---- configuration -------------------------------------------------
    def add_unit(self, unit_id: int) -> Unit:
        with self.lock:
            unit = self.units.setdefault(unit_id, Unit(unit_id))
        return unit

    def unit(self, unit_id: int) -> Unit:
        return self.units[unit_id]

    # ---- what happened -------------------------------------------------
    def log(self, unit: int | None = None) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if unit is None or r.unit == unit]

    def clear_log(self) -> None:
        with self.lock:
            self.requests.clear()

    def drop_connections(self, timeout: float = 5.0) -> None:
        """Closes every client connection, as devices with an idle timeout do."""
        self._drop.set()
        deadline = time.monotonic() + timeout
        while self._drop.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)

    # ---- the protocol --------------------------------------------------
    def handle_pdu(self, unit_id: int, pdu: bytes):
        """Returns (response PDU or None for silence, delay seconds, mode)."""
        if len(pdu) < 1:
            return None, 0.0, None
        fc = pdu[0]
        address = struct.unpack(">H", pdu[1:3])[0] if len(pdu) >= 3 else 0
        count = struct.unpack(">H", pdu[3:5])[0] if len(pdu) >= 5 and fc not in (5, 6) else 1
        with self.lock:
            self.requests.append(Request(time.monotonic(), unit_id, fc, address, count))
            unit = self.units.get(unit_id)
        if unit is None:
            return None, 0.0, None
        table = READ_FUNCTIONS.get(fc) or {5: "coil", 15: "coil", 6: "holding", 16: "holding"}.get(fc)
        if table is None:
            return bytes([fc | 0x80, 1]), 0.0, None
        delay = unit.covering(unit.delays, table, address, count) or 0.0
        mode = "garbage" if unit.covering(unit.garbage, table, address, count) else (
            "truncate" if unit.covering(unit.truncate, table, address, count) else None)
        code = unit.covering(unit.exceptions, table, address, count)
        if code:
            return bytes([fc | 0x80, code]), delay, mode
        if fc in (1, 2):
            if not 1 <= count <= 2000:
                return bytes([fc | 0x80, 3]), delay, mode
            bits = [unit.get(table, address + i) for i in range(count)]
            data = bytearray((count + 7) // 8)
            for i, b in enumerate(bits):
                if b:
                    data[i // 8] |= 1 << (i % 8)
            return bytes([fc, len(data)]) + bytes(data), delay, mode
        if fc in (3, 4):
            if not 1 <= count <= 125:
                return bytes([fc | 0x80, 3]), delay, mode
            words = [unit.get(table, address + i) for i in range(count)]
            return bytes([fc, 2 * count]) + struct.pack(f">{count}H", *words), delay, mode
        if fc == 5:
            value = struct.unpack(">H", pdu[3:5])[0]
            if value not in (0x0000, 0xFF00):
                return bytes([fc | 0x80, 3]), delay, mode
            unit.set("coil", address, 1 if value == 0xFF00 else 0)
            return pdu[:5], delay, mode
        if fc == 6:
            unit.set("holding", address, struct.unpack(">H", pdu[3:5])[0])
            return pdu[:5], delay, mode
        if fc == 15:
            data = pdu[6:6 + pdu[5]]
            unit.set("coil", address, [(data[i // 8] >> (i % 8)) & 1 for i in range(count)])
            return pdu[:5], delay, mode
        if fc == 16:
            data = pdu[6:6 + pdu[5]]
            unit.set("holding", address, list(struct.unpack(f">{count}H", data[:2 * count])))
            return pdu[:5], delay, mode
        return bytes([fc | 0x80, 1]), delay, mode

    # ---- Modbus TCP ----------------------------------------------------
    def start_tcp(self, port: int = 0, host: str = "127.0.0.1") -> int:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, port))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        t = threading.Thread(target=self._serve_tcp, name="modbus-sim-tcp", daemon=True)
        t.start()
        self._threads.append(t)
        return self.port

    def _serve_tcp(self) -> None:
        sel = selectors.DefaultSelector()
        self._listener.setblocking(False)
        sel.register(self._listener, selectors.EVENT_READ, None)
        buffers: dict[socket.socket, bytearray] = {}
        while not self._stop.is_set():
            if self._drop.is_set():
                for conn in list(buffers):
                    sel.unregister(conn)
                    conn.close()
                buffers.clear()
                self._drop.clear()
            for key, _ in sel.select(timeout=0.05):
                if key.data is None:
                    try:
                        conn, _ = self._listener.accept()
                    except OSError:
                        continue
                    conn.setblocking(False)
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    buffers[conn] = bytearray()
                    sel.register(conn, selectors.EVENT_READ, "conn")
                    self.connections += 1
                    continue
                conn = key.fileobj
                try:
                    chunk = conn.recv(4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    sel.unregister(conn)
                    buffers.pop(conn, None)
                    conn.close()
                    continue
                buf = buffers[conn]
                buf += chunk
                while len(buf) >= 7:
                    tid, pid, length = struct.unpack(">HHH", buf[:6])
                    if len(buf) < 6 + length:
                        break
                    unit_id = buf[6]
                    pdu = bytes(buf[7:6 + length])
                    del buf[:6 + length]
                    response, delay, mode = self.handle_pdu(unit_id, pdu)
                    if response is None:
                        continue
                    frame = struct.pack(">HHHB", tid, 0, len(response) + 1, unit_id) + response
                    if mode == "garbage":
                        # A complete answer with a wrong protocol id: not Modbus.
                        frame = struct.pack(">HHHB", tid, 0x1234, len(response) + 1, unit_id) + response
                    elif mode == "truncate":
                        frame = frame[:max(7, len(frame) // 2)]
                    if delay:
                        time.sleep(delay)
                    try:
                        conn.setblocking(True)
                        conn.sendall(frame)
                        conn.setblocking(False)
                    except OSError:
                        pass
        for conn in list(buffers):
            conn.close()
        sel.close()

    # ---- Modbus RTU over a pty -----------------------------------------
    def start_rtu(self, path: str) -> None:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd)
        attrs = termios.tcgetattr(fd)
        attrs[3] &= ~termios.ECHO
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
        self._fds.append(fd)
        t = threading.Thread(target=self._serve_rtu, args=(fd,), name="modbus-sim-rtu", daemon=True)
        t.start()
        self._threads.append(t)

    @staticmethod
    def _rtu_request_length(buf: bytes) -> int | None:
        if len(buf) < 2:
            return None
        fc = buf[1]
        if fc in (1, 2, 3, 4, 5, 6):
            return 8
        if fc in (15, 16):
            return 9 + buf[6] if len(buf) >= 7 else None
        return 4  # unknown function: unit, fc, CRC; answered with an exception

    def _serve_rtu(self, fd: int) -> None:
        buf = bytearray()
        sel = selectors.DefaultSelector()
        sel.register(fd, selectors.EVENT_READ)
        last_byte = time.monotonic()
        while not self._stop.is_set():
            if not sel.select(timeout=0.1):
                # A silence ends any partial frame (the RTU rule, coarsely).
                if buf and time.monotonic() - last_byte > 0.05:
                    buf.clear()
                continue
            try:
                chunk = os.read(fd, 512)
            except OSError:
                break  # the other end of the pty went away
            if not chunk:
                break
            last_byte = time.monotonic()
            buf += chunk
            while True:
                n = self._rtu_request_length(buf)
                if n is None or len(buf) < n:
                    break
                frame = bytes(buf[:n])
                del buf[:n]
                if struct.unpack("<H", frame[-2:])[0] != crc16(frame[:-2]):
                    buf.clear()  # resynchronise on the next frame
                    break
                unit_id = frame[0]
                response, delay, mode = self.handle_pdu(unit_id, frame[1:-2])
                if response is None:
                    continue
                reply = with_crc(bytes([unit_id]) + response)
                if mode == "garbage":
                    reply = reply[:-1] + bytes([reply[-1] ^ 0xFF])  # bad CRC
                elif mode == "truncate":
                    reply = reply[:max(2, len(reply) // 2)]
                if delay:
                    time.sleep(delay)
                try:
                    os.write(fd, reply)
                except OSError:
                    break
        sel.close()

    def stop(self) -> None:
        self._stop.set()
        if self._listener:
            self._listener.close()
        for t in self._threads:
            t.join(timeout=5)
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds.clear()


class Socat:
    """A pty pair from socat: `a` for edgebridge, `b` for the simulator. stop()
    makes both device nodes disappear, as an unplugged USB adapter does."""

    def __init__(self, directory: str):
        self.a = os.path.join(directory, "ttyA")
        self.b = os.path.join(directory, "ttyB")
        self.proc = None

    def start(self, timeout: float = 10.0) -> "Socat":
        import subprocess
        self.proc = subprocess.Popen(
            ["socat", "-d", "-d", f"pty,raw,echo=0,link={self.a}", f"pty,raw,echo=0,link={self.b}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not (os.path.exists(self.a) and os.path.exists(self.b)):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("socat did not create the pty pair")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=5)
        self.proc = None
        for link in (self.a, self.b):
            try:
                os.unlink(link)
            except FileNotFoundError:
                pass


# ---- profiles for the demo and the benchmark ----------------------------
def greenhouse(sim: ModbusSim, unit_id: int = 1) -> Unit:
    """A climate sensor with a fan coil and a setpoint, whose readings drift."""
    unit = sim.add_unit(unit_id)
    unit.set("holding", 10, 215)          # setpoint 21.5 °C (int16, scale 0.1)
    unit.set("coil", 0, 0)                # fan off
    unit.exceptions[("input", 50)] = 2    # an address the device does not map
    return unit


def drift_greenhouse(unit: Unit, t: float) -> None:
    lux = 30000 + 8000 * math.sin(t / 30)
    unit.set_float32("input", 0, lux)
    unit.set("input", 2, int(round((21 + 2 * math.sin(t / 60)) * 10)) & 0xFFFF)
    unit.set("input", 3, int(55 + 10 * math.sin(t / 45)))


def bench_units(sim: ModbusSim, count: int, registers: int) -> None:
    for u in range(1, count + 1):
        unit = sim.add_unit(u)
        unit.set("holding", 0, [(u * 100 + i) & 0xFFFF for i in range(registers)])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tcp-port", type=int, help="serve Modbus TCP on 127.0.0.1:PORT (0: any free port)")
    p.add_argument("--rtu", help="serve Modbus RTU on this pty (the simulator's end of a socat pair)")
    p.add_argument("--profile", choices=["greenhouse", "bench"], default="greenhouse")
    p.add_argument("--units", type=int, default=100, help="bench profile: unit ids 1..N")
    p.add_argument("--registers", type=int, default=20, help="bench profile: holding registers per unit")
    args = p.parse_args()
    if args.tcp_port is None and not args.rtu:
        p.error("give --tcp-port or --rtu")
    sim = ModbusSim()
    unit = None
    if args.profile == "greenhouse":
        unit = greenhouse(sim)
        drift_greenhouse(unit, 0)
    else:
        bench_units(sim, args.units, args.registers)
    if args.tcp_port is not None:
        port = sim.start_tcp(args.tcp_port)
        print(f"modbus-sim: Modbus TCP on 127.0.0.1:{port}", flush=True)
    if args.rtu:
        sim.start_rtu(args.rtu)
        print(f"modbus-sim: Modbus RTU on {args.rtu}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    start = time.monotonic()
    while not stop.wait(1.0):
        if unit:
            drift_greenhouse(unit, time.monotonic() - start)
    sim.stop()
    print(f"modbus-sim: served {len(sim.log())} requests", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
