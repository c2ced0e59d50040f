"""A Global Caché iTach stand-in for tests and demos: a TCP server on 127.0.0.1
that speaks the iTach's IR protocol (port 4998 on the real device).

    sendir,1:1,<id>,<freq>,<repeat>,<offset>,<on>,<off>,...\\r
      -> completeir,1:1,<id>\\r   after the code's play time
      -> busyIR,1:1,<id>\\r       while another code plays on that connector
      -> ERR_1:1,010\\r           odd number of on/off values, like the iTach
    getdevices\\r / getversion\\r  -> what an IP2IR answers

The test steers it (in-process, thread-safe):

    sim = ItachSimulator().start()
    sim.behave(busy_times=2)          # the next 2 sendirs get busyIR, then normal
    sim.behave(mode="silent")         # never answer a sendir
    sim.behave(mode="error", error="ERR_1:1,014")
    sim.behave(mode="drop")           # close the connection when a sendir arrives
    sim.behave(mode="late", delay=1.5)  # completeir only after 1.5 s
    sim.drop_connections()            # hang up on every client now
    sim.stop(); sim.start()           # a power cycle: same port
    sim.sendirs()                     # every sendir line received, in order

Run alone for a demo:  python3 adapters/ir_tcp/sim/itach_sim.py --port 4998
"""
import argparse
import socket
import threading
import time


class ItachSimulator:
    def __init__(self, port: int = 0, host: str = "127.0.0.1"):
        self.host = host
        self.port = port
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._clients: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._running = False
        self._lines: list[tuple[float, str]] = []
        self._playing_until: dict[str, tuple[float, str]] = {}  # connector -> (end time, id)
        self.connections = 0
        self.mode = "complete"
        self.busy_times = 0
        self.error = "ERR_1:1,010"
        self.delay = 0.0
        self.play_time = 0.05

    # ---- control -------------------------------------------------------------
    def behave(self, mode: str = "complete", busy_times: int = 0, error: str | None = None,
               delay: float = 0.0, play_time: float | None = None) -> "ItachSimulator":
        assert mode in ("complete", "silent", "error", "drop", "late"), mode
        with self._lock:
            self.mode = mode
            self.busy_times = busy_times
            if error is not None:
                self.error = error
            self.delay = delay
            if play_time is not None:
                self.play_time = play_time
        return self

    def start(self) -> "ItachSimulator":
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        self.port = listener.getsockname()[1]
        listener.listen(8)
        listener.settimeout(0.1)
        self._listener = listener
        self._running = True
        t = threading.Thread(target=self._accept_loop, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self) -> None:
        self._running = False
        if self._listener:
            self._listener.close()
            self._listener = None
        self.drop_connections()
        for t in self._threads:
            t.join(timeout=5)
        self._threads = []

    def drop_connections(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, []
        for c in clients:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def lines(self) -> list[str]:
        with self._lock:
            return [l for _, l in self._lines]

    def sendirs(self) -> list[str]:
        return [l for l in self.lines() if l.startswith("sendir,")]

    def client_count(self) -> int:
        with self._lock:
            return len(self._clients)

    # ---- protocol --------------------------------------------------------------
    def _accept_loop(self) -> None:
        while self._running and self._listener:
            try:
                conn, _ = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._clients.append(conn)
                self.connections += 1
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _send(self, conn: socket.socket, line: str) -> None:
        try:
            conn.sendall((line + "\r").encode())
        except OSError:
            pass

    def _serve(self, conn: socket.socket) -> None:
        buf = b""
        while self._running:
            try:
                conn.settimeout(0.2)
                data = conn.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            buf += data
            while True:
                cut = min((i for i in (buf.find(b"\r"), buf.find(b"\n")) if i >= 0), default=-1)
                if cut < 0:
                    break
                line, buf = buf[:cut].decode(errors="replace"), buf[cut + 1:]
                if line:
                    if not self._handle(conn, line):
                        return
        with self._lock:
            if conn in self._clients:
                self._clients.remove(conn)
        conn.close()

    def _handle(self, conn: socket.socket, line: str) -> bool:
        """Answers one command; False when the connection was dropped."""
        with self._lock:
            self._lines.append((time.monotonic(), line))
        if line == "getdevices":
            self._send(conn, "device,0,0 ETHERNET")
            self._send(conn, "device,1,3 IR")
            self._send(conn, "endlistdevices")
            return True
        if line == "getversion":
            self._send(conn, "710-1005-05")
            return True
        if not line.startswith("sendir,"):
            self._send(conn, "ERR_01")
            return True
        fields = line.split(",")
        if len(fields) < 8:
            self._send(conn, "ERR_1:1,017")
            return True
        connector, send_id = fields[1], fields[2]
        if (len(fields) - 6) % 2:
            self._send(conn, f"ERR_{connector},010")
            return True
        with self._lock:
            mode, delay = self.mode, self.delay
            if self.busy_times > 0:
                self.busy_times -= 1
                mode = "busy"
            playing = self._playing_until.get(connector)
            if mode not in ("busy",) and playing and playing[0] > time.monotonic() and playing[1] != send_id:
                mode = "busy"
            if mode in ("complete", "late"):
                self._playing_until[connector] = (time.monotonic() + self.play_time + delay, send_id)
            play_time, error = self.play_time, self.error
        if mode == "busy":
            self._send(conn, f"busyIR,{connector},{send_id}")
        elif mode == "error":
            self._send(conn, error)
        elif mode == "drop":
            with self._lock:
                if conn in self._clients:
                    self._clients.remove(conn)
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
            return False
        elif mode in ("complete", "late"):
            def later():
                time.sleep(play_time + delay)
                self._send(conn, f"completeir,{connector},{send_id}")
            threading.Thread(target=later, daemon=True).start()
        return True  # silent: nothing


def main() -> None:
    parser = argparse.ArgumentParser(description="A Global Caché iTach stand-in (IR protocol, TCP).")
    parser.add_argument("--port", type=int, default=4998)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    sim = ItachSimulator(args.port, args.host).start()
    print(f"iTach simulator on {sim.host}:{sim.port}; Ctrl-C to stop", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.2)
            lines = sim.lines()
            for l in lines[seen:]:
                print("<-", l[:100] + ("..." if len(l) > 100 else ""), flush=True)
            seen = len(lines)
    except KeyboardInterrupt:
        sim.stop()


if __name__ == "__main__":
    main()
