"""socket:// readers (network serial servers): bytes the reader sends the moment a connection opens are
kept (the finding: pyserial's open() reads and discards them), across reconnects."""
import socket
import threading

import pytest
from serial.urlhandler import protocol_socket

from readers.transport import Transport


@pytest.fixture
def greeting_server():
    """A serial-over-TCP server that sends one frame the instant each connection is accepted."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve():
        n = 0
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            n += 1
            conn.sendall(f"]C0V{n:08d}\r\n".encode())
            threading.Thread(target=_hold, args=(conn, stop), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()


def _hold(conn, stop):
    stop.wait(10)
    conn.close()


def read_line(transport) -> bytes:
    data = b""
    for _ in range(40):
        chunk = transport.read()
        data += chunk or b""
        if b"\n" in data:
            break
    return data


def test_bytes_sent_right_after_connecting_are_kept(greeting_server, monkeypatch):
    # make pyserial's discard deterministic: the greeting is in the socket before open() finishes
    original_open = protocol_socket.Serial.open
    arrived = threading.Event()

    def open_and_wait(self):
        original_connect = socket.create_connection

        def connect(*args, **kwargs):
            sock = original_connect(*args, **kwargs)
            sock.setblocking(True)
            sock.recv(1, socket.MSG_PEEK)  # wait until the greeting has arrived (not consumed)
            arrived.set()
            return sock

        monkeypatch.setattr(socket, "create_connection", connect)
        try:
            return original_open(self)
        finally:
            monkeypatch.setattr(socket, "create_connection", original_connect)

    monkeypatch.setattr(protocol_socket.Serial, "open", open_and_wait)
    for n in (1, 2, 3):  # the first connection and two reconnects
        transport = Transport(f"socket://127.0.0.1:{greeting_server}", read_timeout=0.2)
        assert read_line(transport) == f"]C0V{n:08d}\r\n".encode()
        assert arrived.is_set()
        transport.close()
