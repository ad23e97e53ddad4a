"""Drive a real headless Chromium (Debian's ``chromium``) over the DevTools protocol, for tests.

No browser-automation package: Chromium's ``--remote-debugging-pipe`` reads protocol commands
from file descriptor 3 and writes replies and events to 4, each a JSON message ended by NUL, so
a few dozen lines of Python suffice. One browser per test session; one tab per page. Every
network request of a tab is recorded (``Network.requestWillBeSent``), so a test can assert that
a page asked for nothing but its own files.

``make browser`` installs ``/usr/bin/chromium`` (``apt-get install chromium``) when it is
missing; ``CHROMIUM`` overrides the path.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from zkproof.devtools.npm import ToolMissing

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--mute-audio",
    "--remote-debugging-pipe",
)


def _high(fd: int) -> int:
    import fcntl

    new = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return new


def executable() -> str:
    exe = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(exe):
        raise ToolMissing(f"{exe} is missing: run `make browser` (apt-get install chromium)")
    return exe


class Browser:
    """A headless Chromium; ``tab()`` opens a page. Use as a context manager."""

    def __init__(self, window: tuple[int, int] = (1200, 900)):
        self.profile = tempfile.mkdtemp(prefix="zkproof-chromium-")
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()
        # Chromium expects its pipe ends at fds 3 (commands in) and 4 (replies out): move ours
        # above 10 first, so that dup2 onto 3 and 4 in the child cannot clobber one of them.
        to_chrome_r, from_chrome_w = (_high(to_chrome_r), _high(from_chrome_w))
        self.proc = subprocess.Popen(
            [
                executable(),
                *FLAGS,
                f"--user-data-dir={self.profile}",
                f"--window-size={window[0]},{window[1]}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=lambda: (os.dup2(to_chrome_r, 3), os.dup2(from_chrome_w, 4)),
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._next = 0
        self.events: list[dict] = []

    def send(
        self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60
    ) -> dict:
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _read(self, deadline: float) -> dict:
        import select

        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._r], [], [], left)[0]:
                raise TimeoutError("no reply from chromium")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def tab(self, url: str) -> Tab:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        t = Tab(self, target, session)
        for domain in ("Network", "Page", "Runtime"):
            t.send(f"{domain}.enable")
        t.send("Page.navigate", {"url": url})
        self.wait_event(session, "Page.loadEventFired")
        return t

    def wait_event(self, session: str, method: str, timeout: float = 60) -> dict:
        """The next unseen event ``method`` of ``session`` (events are kept in ``self.events``)."""
        deadline = time.monotonic() + timeout
        start = 0
        while True:
            for e in self.events[start:]:
                if e.get("sessionId") == session and e.get("method") == method and not e.get("_seen"):
                    e["_seen"] = True
                    return e
            start = len(self.events)
            self.events.append(self._read(deadline))

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for fd in (self._r, self._w):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Tab:
    browser: Browser
    target: str
    session: str
    seen: int = field(default=0)

    def send(self, method: str, params: dict | None = None, timeout: float = 60) -> dict:
        return self.browser.send(method, params, self.session, timeout)

    def eval(self, expression: str):
        r = self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}
        )
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 120, poll: float = 0.1):
        """Poll ``expression`` until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(poll)
        raise TimeoutError(f"{expression} still false after {timeout} s")

    def requests(self) -> list[str]:
        """URLs this tab asked for (every ``Network.requestWillBeSent`` so far)."""
        return [
            e["params"]["request"]["url"]
            for e in self.browser.events
            if e.get("sessionId") == self.session and e.get("method") == "Network.requestWillBeSent"
        ]

    def console(self) -> list[str]:
        """Console messages and uncaught exceptions of this tab."""
        out = []
        for e in self.browser.events:
            if e.get("sessionId") != self.session:
                continue
            if e.get("method") == "Runtime.consoleAPICalled":
                out.append(
                    " ".join(str(a.get("value", a.get("description", ""))) for a in e["params"]["args"])
                )
            elif e.get("method") == "Runtime.exceptionThrown":
                out.append(json.dumps(e["params"]["exceptionDetails"])[:500])
        return out

    def set_file(self, selector: str, path: str) -> None:
        obj = self.send("Runtime.evaluate", {"expression": f"document.querySelector({json.dumps(selector)})"})
        self.send("DOM.setFileInputFiles", {"files": [path], "objectId": obj["result"]["objectId"]})

    def screenshot(self, path: str, full_page: bool = True) -> None:
        params = {"format": "png"}
        if full_page:
            m = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params.update(
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": m["width"], "height": m["height"], "scale": 1},
            )
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.send("Page.captureScreenshot", params)["data"]))

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.target})
