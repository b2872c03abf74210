"""The forwarder: posts spooled reads in sequence order to POST /api/v1/reader-events.

Batches carry the reader's sequence numbers (the idempotency keys); rows are marked sent only
after a 2xx. While the server is down it retries with capped exponential backoff, keeping
order. When there is nothing to send it sends a heartbeat every `heartbeat_seconds`.
"""
import http.client
import json
import logging
import threading
import time
from urllib.parse import urlsplit

from .spool import Spool, iso_utc

log = logging.getLogger("readers.forwarder")
API_PATH = "/api/v1/reader-events"


class ServerError(Exception):
    """The server could not be reached or did not answer 2xx."""

    def __init__(self, message: str, status: int | None = None, body: dict | None = None):
        super().__init__(message)
        self.status = status
        self.body = body or {}


class Client:
    """A persistent HTTP(S) connection to the custody server."""

    def __init__(self, server: str, token: str, timeout: float = 10.0):
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"server must be an http:// or https:// URL: {server!r}")
        self.scheme, self.host, self.port = parts.scheme, parts.hostname, parts.port
        self.base = parts.path.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            self.conn = cls(self.host, self.port, timeout=self.timeout)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def post(self, payload: dict) -> dict:
        """POST the payload; the decoded JSON answer. Raises ServerError (network or non-2xx)."""
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}",
                   "Accept": "application/json"}
        for attempt in (1, 2):
            reused = self.conn is not None
            try:
                conn = self._connection()
                conn.request("POST", self.base + API_PATH, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException) as err:
                self.close()
                # the server closes idle keep-alive connections: one immediate retry on a fresh one
                # (safe: the batch is idempotent on its sequence numbers)
                if attempt == 1 and reused:
                    continue
                raise ServerError(f"cannot reach the server: {err}") from err
        try:
            decoded = json.loads(data) if data else {}
        except ValueError:
            decoded = {}
        if not 200 <= response.status < 300:
            message = (decoded.get("error") or {}).get("message") or f"HTTP {response.status}"
            raise ServerError(message, status=response.status, body=decoded)
        return decoded


class Forwarder:
    """Runs on its own thread: spool → server, in order, at least once."""

    def __init__(self, spool_path: str, client: Client, *, batch_size: int = 50, heartbeat_seconds: float = 30,
                 backoff_initial: float = 0.5, backoff_max: float = 30.0, stats=None):
        self.spool_path = spool_path
        self.client = client
        self.batch_size = batch_size
        self.heartbeat_seconds = heartbeat_seconds
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.stats = stats or (lambda: {})
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.sent = 0
        self.failures = 0
        self.last_contact = 0.0
        self.synced_seq = False

    def run(self) -> None:
        """Loop until stop is set: send what is pending, else heartbeat, else wait to be woken."""
        spool = Spool(self.spool_path)
        delay = self.backoff_initial
        try:
            while not self.stop.is_set():
                try:
                    worked = self.step(spool)
                except ServerError as err:
                    self.failures += 1
                    level = logging.WARNING if self.failures == 1 else logging.DEBUG
                    log.log(level, "forwarding failed (%s); retrying in %.1f s", err, delay)
                    self.stop.wait(delay)
                    delay = min(delay * 2, self.backoff_max)
                    continue
                if self.failures:
                    log.warning("server reachable again after %d failed attempt(s)", self.failures)
                self.failures, delay = 0, self.backoff_initial
                if not worked:
                    wait = max(0.0, self.last_contact + self.heartbeat_seconds - time.monotonic())
                    self.wake.wait(wait)
                    self.wake.clear()
        finally:
            self.client.close()
            spool.close()

    def step(self, spool: Spool) -> bool:
        """Send one batch (or a due heartbeat); True if a batch was sent. Raises ServerError."""
        if not self.synced_seq:
            # the first contact tells us the server's last sequence for this reader, so a new or
            # restored spool never reuses numbers the server has already accepted
            answer = self._post({"events": [], "heartbeat": self._heartbeat(spool)})
            spool.ensure_seq_above(int(answer.get("last_seq") or 0))
            self.synced_seq = True
        batch = spool.pending(self.batch_size)
        if not batch:
            if time.monotonic() - self.last_contact >= self.heartbeat_seconds:
                self._post({"events": [], "heartbeat": self._heartbeat(spool)})
            return False
        payload = {"events": [r.as_json() for r in batch]}
        try:
            self._post(payload)
        except ServerError as err:
            if err.status == 409 and (err.body.get("error") or {}).get("code") == "seq_conflict":
                # our numbers were already used (the spool was lost while the server was away)
                offset = spool.renumber_pending_above(int(err.body.get("last_seq") or 0))
                log.warning("sequence numbers already used on the server: pending reads renumbered (+%d)", offset)
                return True
            rows = (err.body.get("error") or {}).get("rows") if err.status == 422 else None
            if not rows:
                raise
            # a row the server calls malformed would block the queue forever: set it aside
            bad = {int(r["seq"]): r.get("message", "") for r in rows if r.get("seq") is not None}
            if not bad:
                raise
            log.error("server refused %d malformed read(s): %s", len(bad), bad)
            spool.mark_rejected(bad)
            return True
        spool.mark_sent([r.seq for r in batch])
        self.sent += len(batch)
        return True

    def _post(self, payload: dict) -> dict:
        answer = self.client.post(payload)
        self.last_contact = time.monotonic()
        return answer

    def _heartbeat(self, spool: Spool) -> dict:
        counts = spool.counts()
        return {"sent_at": iso_utc(), "pending": counts.get("pending", 0), "rejected": counts.get("rejected", 0),
                **self.stats()}
