"""Headless Chromium (Debian's `chromium`), driven over the DevTools protocol
(python3-websocket), to open a page as an installer's phone or laptop does:
read its visible text, run a line of JavaScript in it, resize it, save a
screenshot. One browser, one tab; its profile is a fresh directory."""
import base64
import json
import os
import shutil
import subprocess
import urllib.request

import websocket

from .net import wait_until

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Browser:
    def __init__(self, workdir: str, width: int = 360, height: int = 740):
        self.dir = os.path.join(workdir, "chromium")
        os.makedirs(self.dir, exist_ok=True)
        self.profile = os.path.join(self.dir, "profile")
        self.width, self.height = width, height
        self.proc: subprocess.Popen | None = None
        self.ws = None
        self._id = 0

    def start(self) -> "Browser":
        if not os.path.exists(CHROMIUM):
            raise RuntimeError("chromium not found; scripts/install-deps installs Debian's chromium")
        shutil.rmtree(self.profile, ignore_errors=True)
        log = open(os.path.join(self.dir, "chromium.log"), "wb")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--mute-audio", f"--user-data-dir={self.profile}",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             f"--window-size={self.width},{self.height}", "about:blank"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        port_file = os.path.join(self.profile, "DevToolsActivePort")

        def port():
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited ({self.proc.returncode}); see {self.dir}/chromium.log")
            try:
                with open(port_file) as f:
                    return int(f.readline().strip() or 0) or None
            except (FileNotFoundError, ValueError):
                return None

        debug_port = wait_until(port, timeout=30, what="chromium's DevTools port")
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{debug_port}/json/list", timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.resize(self.width, self.height)
        return self

    def call(self, method: str, **params) -> dict:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:  # events arrive in between; answers carry our id
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def resize(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=width < 600)

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        wait_until(lambda: self.evaluate("document.readyState") == "complete", timeout=20, what=f"{url} loaded")

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def text(self, selector: str = "body") -> str:
        """What a person sees in the element: its innerText."""
        return self.evaluate(f"(document.querySelector({json.dumps(selector)}) || {{innerText: ''}}).innerText")

    def wait_text(self, check, selector: str = "body", timeout: float = 20.0, what: str = "text") -> str:
        """Waits until check(text) is true; returns that text."""
        last = [""]

        def seen():
            last[0] = self.text(selector)
            return last[0] if check(last[0]) else None

        try:
            return wait_until(seen, timeout=timeout, interval=0.25, what=what)
        except Exception as e:
            raise AssertionError(f"{what}; the page shows:\n{last[0]}") from e

    def screenshot(self, path: str) -> str:
        """The whole page (not only the viewport) at the current width, as PNG."""
        height = self.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return path

    def stop(self) -> None:
        if self.ws:
            try:
                self.ws.close()
            except OSError:
                pass
            self.ws = None
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def __enter__(self) -> "Browser":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
