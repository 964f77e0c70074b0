#!/usr/bin/env python3
"""Headless Chromium driven through the DevTools protocol, standard library only.

Chromium is started with --remote-debugging-pipe: it reads protocol commands
from fd 3 and writes answers and events to fd 4, each a JSON text ended by a
NUL byte, so no WebSocket client is needed. The page loads once and stays
open, in real time (no virtual time: the page polls a live server), while
the caller sends one command a line on stdin and reads one answer a line on
stdout:

  wait SECONDS EXPRESSION   evaluate until truthy or SECONDS pass:
                            "ok ELAPSED_S VALUE_JSON" | "timeout ELAPSED_S VALUE_JSON"
  eval EXPRESSION           "ok VALUE_JSON" | "error MESSAGE"
  screenshot PATH           the whole page as PNG: "ok BYTES" | "error MESSAGE"
  quit

usage: cdp_page.py --url URL [--chromium chromium] [--width 1400] [--height 900]
A bash test runs it as a coprocess (tests/e2e/e2e_status_page.sh).
"""
import argparse
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time


class Chromium:
    def __init__(self, binary, width, height):
        self.profile = tempfile.mkdtemp(prefix="dvs-chromium-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        # The child's ends above 4 first, so that dup2 to 3 and 4 cannot
        # overwrite one with the other.
        high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD_CLOEXEC, 10)
        high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)

        def child_fds():
            # dup2 makes 3 and 4 inheritable; every other descriptor of ours
            # is close-on-exec (Python's default), hence close_fds=False.
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        args = [
            binary, "--headless=new", "--no-sandbox",  # root in a test namespace
            "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
            "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update",
            "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
            "--disable-backgrounding-occluded-windows", "--mute-audio", "--hide-scrollbars",
            f"--window-size={width},{height}", "about:blank",
        ]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.profile, "stderr.log"), "wb"),
                                     close_fds=False, preexec_fn=child_fds)
        os.close(high_r)
        os.close(high_w)
        self.buffer = b""
        self.next_id = 0
        self.session = None

    def command(self, method, params=None, timeout=15.0, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error'].get('message')}")
                return answer.get("result", {})

    def _read(self, deadline):
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self.from_browser], [], [], left)
            if ready:
                chunk = os.read(self.from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe (exited?)")
                self.buffer += chunk
        text, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(text)

    def open(self, url, width, height):
        target = self.command("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.command("Target.attachToTarget",
                                {"targetId": target["targetId"], "flatten": True}, session=False)
        self.session = attached["sessionId"]
        self.command("Page.enable")
        self.command("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.command("Page.navigate", {"url": url})

    def evaluate(self, expression):
        result = self.command("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise RuntimeError(details.get("exception", {}).get("description") or details.get("text"))
        return result.get("result", {}).get("value")

    def screenshot(self, path):
        metrics = self.command("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = self.command("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
        data = base64.b64decode(shot["data"])
        with open(path, "wb") as f:
            f.write(data)
        return len(data)

    def close(self):
        try:
            self.command("Browser.close", session=False, timeout=5)
        except Exception:  # already gone, or not answering: killed below
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def serve(browser):
    for line in sys.stdin:
        verb, _, rest = line.rstrip("\n").partition(" ")
        try:
            if verb == "quit":
                break
            if verb == "eval":
                answer = "ok " + json.dumps(browser.evaluate(rest))
            elif verb == "wait":
                seconds, _, expression = rest.partition(" ")
                start = time.monotonic()
                deadline = start + float(seconds)
                while True:
                    try:
                        value = browser.evaluate(expression)
                    except RuntimeError:  # not there yet (the page is still loading)
                        value = None
                    if value:
                        answer = f"ok {time.monotonic() - start:.2f} {json.dumps(value)}"
                        break
                    if time.monotonic() >= deadline:
                        answer = f"timeout {time.monotonic() - start:.2f} {json.dumps(value)}"
                        break
                    time.sleep(0.1)
            elif verb == "screenshot":
                answer = f"ok {browser.screenshot(rest)}"
            else:
                answer = f"error unknown command {verb!r}"
        except Exception as e:  # reported to the caller, who decides
            answer = f"error {type(e).__name__}: {e}".replace("\n", " ")
        print(answer, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=900)
    args = ap.parse_args()
    browser = Chromium(args.chromium, args.width, args.height)
    try:
        browser.open(args.url, args.width, args.height)
        print("ready", flush=True)
        serve(browser)
    except Exception as e:
        print(f"error {type(e).__name__}: {e}".replace("\n", " "), flush=True)
        sys.exit(1)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
