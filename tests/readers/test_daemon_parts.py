"""Debounce, shelf presence, the spool, the configuration and the forwarder, without a server."""
import pytest

from readers.config import ConfigError, load
from readers.debounce import Debouncer, ShelfPresence
from readers.forwarder import Client, Forwarder, ServerError
from readers.spool import Spool


def test_debounce_per_tag():
    d = Debouncer(window=2.0)
    assert d.accept("A", 0.0)
    assert not d.accept("A", 0.5)  # the reader repeats while the tag stays in the field
    assert not d.accept("A", 2.0)
    assert d.accept("B", 2.1)  # another tag is never suppressed by the first
    assert d.accept("A", 4.5)  # gone for longer than the window: a new read


def test_shelf_presence_departs_only_after_n_missed_cycles():
    shelf = ShelfPresence(missed_cycles=3)
    assert shelf.see("V1") and shelf.see("V2")
    assert not shelf.see("V1")
    assert shelf.end_cycle() == []
    shelf.see("V1")
    assert shelf.end_cycle() == []  # V2 missed once
    shelf.see("V1")
    assert shelf.end_cycle() == []  # twice
    assert shelf.end_cycle() == ["V2"]  # V1 missed once, V2 three times: departed
    assert shelf.see("V2")  # back again: arrives again


def test_spool_keeps_order_and_marks(tmp_path):
    spool = Spool(str(tmp_path / "s.db"))
    seqs = spool.add([("read", "A", "em4100", "", "2026-01-01T00:00:00.000Z"),
                      ("read", "B", "em4100", "", "2026-01-01T00:00:01.000Z")])
    assert seqs == [1, 2]
    assert [r.tag for r in spool.pending(10)] == ["A", "B"]
    spool.mark_sent([1])
    assert [r.seq for r in spool.pending(10)] == [2]
    spool.ensure_seq_above(100)
    assert spool.add([("read", "C", "em4100", "", "2026-01-01T00:00:02.000Z")]) == [101]
    spool.close()
    again = Spool(str(tmp_path / "s.db"))  # survives a restart
    assert [r.seq for r in again.pending(10)] == [2, 101]
    assert again.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert again.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_config_from_toml_and_options(tmp_path):
    path = tmp_path / "reader.toml"
    path.write_text('[reader]\nport = "loop://"\nprotocol = "chafon"\nserver = "http://127.0.0.1:8000"\n'
                    'token_file = "%s"\n[reader.options]\nvariant = "288"\n' % (tmp_path / "t"), encoding="utf-8")
    (tmp_path / "t").write_text("rdr_secret\n", encoding="utf-8")
    config = load(str(path), mode="shelf")
    assert (config.token, config.baudrate, config.mode, config.options) == ("rdr_secret", 57600, "shelf",
                                                                            {"variant": "288"})


@pytest.mark.parametrize("overrides, message", [
    ({"protocol": "morse"}, "protocol"),
    ({"server": "127.0.0.1:8000"}, "server"),
    ({"token": ""}, "token"),
    ({"baudrate": 1234}, "baudrate"),
    ({"mode": "roof"}, "mode"),
    ({"missed_cycles": 0}, "missed_cycles"),
    ({"options": {"variant": "99"}}, "variant"),
    ({"port": ""}, "port"),
])
def test_config_errors_name_the_setting(overrides, message):
    values = {"port": "loop://", "protocol": "chafon", "server": "http://127.0.0.1:8000", "token": "rdr_x"}
    values.update(overrides)
    with pytest.raises(ConfigError, match=message):
        load(None, **values)


def test_bad_config_exits_before_opening_anything(tmp_path, capsys):
    from readers.__main__ import main

    code = main(["run", "--port", str(tmp_path / "nonexistent-tty"), "--protocol", "rdm6300", "--server",
                 "ftp://x", "--token", "t", "--spool", str(tmp_path / "spool.db")])
    assert code == 2
    assert "server" in capsys.readouterr().err
    assert not (tmp_path / "spool.db").exists()


def test_forwarder_keeps_rows_while_the_server_is_down(tmp_path):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    spool = Spool(str(tmp_path / "s.db"))
    spool.add([("read", "A", "em4100", "", "2026-01-01T00:00:00.000Z")])
    forwarder = Forwarder(str(tmp_path / "s.db"), Client(f"http://127.0.0.1:{port}", "rdr_x"))
    with pytest.raises(ServerError):
        forwarder.step(spool)
    assert [r.tag for r in spool.pending(10)] == ["A"]  # nothing marked sent without a 2xx


def test_client_reconnects_at_once_when_the_server_closed_the_idle_connection():
    """gunicorn closes idle keep-alive connections after 2 s: the next post must not fail for that."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            body = b'{"accepted": 0, "duplicates": 0, "last_seq": 0}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True  # like an expired keep-alive: the socket goes away after this

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = Client(f"http://127.0.0.1:{server.server_port}", "rdr_x")
        assert client.post({"events": []})["last_seq"] == 0
        assert client.post({"events": []})["last_seq"] == 0  # the kept connection is dead: retried at once
    finally:
        server.shutdown()
        server.server_close()
