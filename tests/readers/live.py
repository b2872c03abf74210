"""Helpers for end-to-end reader tests: a live app server, a reader daemon process, polling."""
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout: float = 20.0, message: str = "condition"):
    """Poll `condition` until it returns a truthy value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.02)


class LiveServer:
    """The Flask app under werkzeug in a thread; can be stopped and started again on the same port."""

    def __init__(self, app, port: int = 0):
        self.app = app
        self.port = port
        self.server = None
        self.thread = None

    def start(self) -> "LiveServer":
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=10)
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class DaemonProcess:
    """`python -m readers run --config reader.toml` as a real child process."""

    def __init__(self, tmp_path: Path, **settings):
        self.tmp_path = tmp_path
        self.config = tmp_path / "reader.toml"
        lines = []
        for key, value in settings.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, int | float):
                lines.append(f"{key} = {value}")
            else:
                lines.append(f'{key} = "{value}"')
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.log = tmp_path / "daemon.log"
        self.proc = None

    def start(self) -> "DaemonProcess":
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "readers", "run", "--config", str(self.config),
                                          "--log-level", "DEBUG"], stdout=log, stderr=log, env=env, cwd=ROOT)
        return self

    def has_open(self, path: str) -> bool:
        """True once the process holds `path` open (it has opened the serial port)."""
        target = os.path.realpath(path)
        try:
            fds = os.listdir(f"/proc/{self.proc.pid}/fd")
        except FileNotFoundError:
            return False
        for fd in fds:
            try:
                if os.readlink(f"/proc/{self.proc.pid}/fd/{fd}") == target:
                    return True
            except OSError:
                continue
        return False

    def opened(self) -> int:
        """How many times the daemon has opened its port (pyserial flushes the input on open, so a
        test writes only after the open has completed, which the log line marks)."""
        text = self.output()
        return text.count(" open\n") + text.count(" open again after ")

    def kill(self, sig=9) -> None:
        self.proc.send_signal(sig)
        self.proc.wait(timeout=20)

    def stop(self) -> int:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return self.proc.wait()
        return self.proc.returncode if self.proc else 0

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")
