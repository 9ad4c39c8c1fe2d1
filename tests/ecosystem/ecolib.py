"""Helpers shared by the ecosystem and end-to-end test scripts: free loopback ports, servers
started as child processes and always stopped, HTTP helpers, a webhook receiver.

Every server binds 127.0.0.1 on a port the kernel picked free; every process started through
Servers is terminated (then killed) on exit, including on a failed assertion.
"""
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port():
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def http_json(url, data=None, timeout=10, method=None):
    body = None
    headers = {}
    if data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


def wait_http(url, timeout=30, proc=None, log=None):
    """Waits until GET url answers 200. Fails early if proc exits."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered"
                               + (f"; log:\n{tail(log)}" if log else ""))
        try:
            status, _ = http_get(url, timeout=2)
            if status == 200:
                return
        except (urllib.error.URLError, ConnectionError, OSError) as e:
            last = e
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {timeout}s (last error: {last})"
                       + (f"; log:\n{tail(log)}" if log else ""))


def tail(path, n=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(no log)"


class Servers:
    """Starts child processes, each with its log in `workdir`, and stops them all on close()."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.procs = []

    def start(self, name, argv, env=None, stdout_path=None):
        log = os.path.join(self.workdir, f"{name}.log")
        out = open(stdout_path or log, "wb")
        err = out if stdout_path is None else open(log, "wb")
        p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                             env=env, start_new_session=True)
        self.procs.append((name, p, log))
        return p, log

    def stop(self, proc, timeout=10):
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def close(self):
        for _, p, _ in reversed(self.procs):
            self.stop(p)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class WebhookReceiver:
    """Collects Alertmanager webhook notifications: (path, payload) pairs."""

    def __init__(self):
        self.received = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(n) or b"{}")
                with outer.lock:
                    outer.received.append((self.path, payload))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def alerts(self):
        """All (receiver path, alert dict) received so far."""
        with self.lock:
            return [(path, a) for path, p in self.received for a in p.get("alerts", [])]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def start_prometheus_on(servers, work, tsdb):
    """Starts Debian's prometheus on loopback over the TSDB folder `tsdb` (e.g. backfilled with
    promtool), keeping all of its history; returns the port once it is ready."""
    port = free_port()
    cfg = os.path.join(work, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1m\n")
    proc, log = servers.start("prometheus", [
        "prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={tsdb}",
        "--storage.tsdb.retention.time=100y", f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn"])
    wait_http(f"http://127.0.0.1:{port}/-/ready", timeout=120, proc=proc, log=log)
    return port


def require_tools(*names):
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        print(f"FAIL: required programs not found on PATH: {', '.join(missing)} "
              f"(install them with scripts/install-deps)")
        sys.exit(1)


class Checker:
    """Collects failures; prints a summary line that ctest shows."""

    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed.append(what)
            print("FAIL:", what, flush=True)
        return cond

    def finish(self):
        print(f"{self.passed} passed, {len(self.failed)} failed")
        return 1 if self.failed else 0
