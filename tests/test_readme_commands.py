"""The README's two commands, tried as a new user would: the run command starts the app with a demo
site on a port, prints one-time passwords that log in, and keeps the data when run again."""
import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def test_readme_opens_with_the_run_and_test_commands():
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S)
    assert blocks[0].strip().splitlines()[-1].strip() == "./scripts/run-demo"
    assert blocks[1].strip().splitlines()[-1].strip() == "./scripts/test"
    assert (ROOT / ".ci" / "run").read_text().count("./scripts/test") >= 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunCommand:
    """scripts/run-demo in its own process group, its output collected line by line."""

    def __init__(self, instance: Path, port: int):
        env = dict(os.environ, CUSTODY_INSTANCE_PATH=str(instance), CUSTODY_PORT=str(port))
        env.pop("CUSTODY_DATABASE_URL", None)
        self.proc = subprocess.Popen([str(ROOT / "scripts" / "run-demo")], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 180) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if m := re.search(pattern, line):
                    return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"never printed {pattern!r}:\n" + "\n".join(self.lines[-40:]))

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def _set_own_password(opener, base: str, old: str, new: str) -> None:
    page = opener.open(base + "/account").read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"current": old, "new": new, "repeat": new, "csrf_token": token}).encode()
    response = opener.open(base + "/account/password", data=data)
    assert response.geturl().rstrip("/") == base, response.geturl()


def _login(base: str, username: str, password: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
    response = opener.open(base + "/login", data=data)
    return opener, response


# the demo server is a process of its own on the real clock, and the cookie jar judges its cookies'
# expiry by this process's clock: stay at the real now
@pytest.mark.slow
@pytest.mark.real_clock
def test_run_command_starts_a_demo_site_that_logs_in_and_keeps_data(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    run = RunCommand(tmp_path / "instance", port)
    try:
        run.wait_for(rf"Serving on http://127\.0\.0\.1:{port}/")
        password = run.wait_for(r"^\s+operator\s+operator\s+(\S+)$").group(1)
        assert run.wait_for(r"Demo site created")
        _wait_http(base + "/login")
        opener, response = _login(base, "operator", password)
        # a one-time password: the first page after login asks for a new one
        assert response.geturl().endswith("/account")
        assert "一次性密码" in response.read().decode()  # default language: Chinese
        # the demo has volumes with Chinese archive numbers, visible once logged in as the archivist
        archivist_pw = run.wait_for(r"^\s+archivist\s+archivist\s+(\S+)$").group(1)
        opener2, _ = _login(base, "archivist", archivist_pw)
        _set_own_password(opener2, base, archivist_pw, "a long new password")
        page = opener2.open(base + "/i/V00000002").read().decode()
        assert "J012-WS·" in page
        # the simulated door and shelf readers started with it: badge passes and shelf reads arrive
        db_path = tmp_path / "instance" / "custody.db"
        deadline = time.monotonic() + 60
        passes = reads = 0
        while time.monotonic() < deadline and not (passes and reads):
            con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
            try:
                passes = con.execute("SELECT COUNT(*) FROM access_event").fetchone()[0]
                reads = con.execute("SELECT COUNT(*) FROM reader_read r JOIN reader d ON d.id = r.reader_id "
                                    "WHERE d.mode = 'shelf'").fetchone()[0]
            finally:
                con.close()
            time.sleep(0.5)
        assert passes > 0 and reads > 0, (passes, reads)
    finally:
        run.stop()
    db_file = tmp_path / "instance" / "custody.db"
    assert db_file.exists()
    size_before = db_file.stat().st_size

    port2 = _free_port()
    again = RunCommand(tmp_path / "instance", port2)
    try:
        again.wait_for(r"Demo site already present: data kept\.")
        again.wait_for(r"Serving on")
        _wait_http(f"http://127.0.0.1:{port2}/login")
        # the archivist replaced the one-time password: it is kept; the operator gets a fresh one
        again.wait_for(r"^\s+archivist\s+archivist\s+\(password already changed by its owner\)$")
        again.wait_for(r"^\s+operator\s+operator\s+\S+$")
        opener3, _ = _login(f"http://127.0.0.1:{port2}", "archivist", "a long new password")
        page = opener3.open(f"http://127.0.0.1:{port2}/i/V00000002").read().decode()
        assert "J012-WS·" in page
    finally:
        again.stop()
    assert db_file.stat().st_size >= size_before
