"""Simulated readers: write real frames for a protocol to a port, a pseudo-terminal or TCP clients."""
import os
import socket
import threading
import time
import tty

import serial

from .protocols import REGISTRY


def frames_for(protocol: str, tags: list[str], **options) -> list[bytes]:
    """The bytes a reader of this protocol sends for each presentation (Chafon: one round with all tags)."""
    parser = REGISTRY[protocol]
    if protocol == "chafon":
        return [parser.encode(tags, **options)]
    return [parser.encode([t], **options) for t in tags]


def schedule(frames: list[bytes], repeat: int):
    """Yield frames `repeat` times over (0: forever)."""
    n = 0
    while repeat == 0 or n < repeat:
        yield from frames
        n += 1


class PtyPair:
    """A pseudo-terminal pair in raw mode; the daemon opens `path`, frames go to the master side."""

    def __init__(self, link: str | None = None):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.link = link
        if link:
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(self.path, link)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


class TcpServer:
    """A network serial server (like ser2net): every connected client receives the frames."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.sock = socket.create_server((host, port))
        self.address = self.sock.getsockname()
        self.clients: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"socket://{self.address[0]}:{self.address[1]}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.clients.append(conn)
            # a host-driven reader gets commands (Chafon Inventory): read and drop them so the
            # daemon's writes never fill the socket buffer
            threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    @staticmethod
    def _drain(conn: socket.socket) -> None:
        while True:
            try:
                if not conn.recv(4096):
                    return
            except OSError:
                return

    def write(self, data: bytes) -> None:
        with self.lock:
            for conn in list(self.clients):
                try:
                    conn.sendall(data)
                except OSError:
                    self.clients.remove(conn)
                    conn.close()

    def close(self) -> None:
        self.sock.close()
        with self.lock:
            for conn in self.clients:
                conn.close()


class PortWriter:
    """An existing device path or pyserial URL opened for writing."""

    def __init__(self, url: str, baudrate: int):
        self.port = serial.serial_for_url(url, baudrate=baudrate)

    def write(self, data: bytes) -> None:
        self.port.write(data)
        self.port.flush()

    def close(self) -> None:
        self.port.close()


def play(sink, frames, interval: float, stop: threading.Event | None = None) -> int:
    """Write each frame, `interval` seconds apart; returns how many were written."""
    stop = stop or threading.Event()
    n = 0
    for frame in frames:
        if stop.is_set():
            break
        sink.write(frame)
        n += 1
        if stop.wait(interval):
            break
    return n


def wait_for_clients(server: TcpServer, timeout: float, settle: float = 0.5) -> None:
    """Wait for a daemon to connect, then a moment more: pyserial flushes its input right after connecting."""
    deadline = time.monotonic() + timeout
    while not server.clients and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(settle)
