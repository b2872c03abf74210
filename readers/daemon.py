"""The reader daemon: transport → parser → debounce/presence → spool; the forwarder on its own thread.

Signal handlers only set a flag; the loop notices it within one read timeout and shuts down,
letting the forwarder finish its current request.
"""
import logging
import signal
import threading
import time

from .config import ReaderConfig
from .debounce import Debouncer, ShelfPresence
from .forwarder import Client, Forwarder
from .protocols import make_parser
from .spool import Spool, iso_utc
from .transport import Transport

log = logging.getLogger("readers.daemon")


class Flag:
    """A stop flag safe to set from a signal handler (a bare attribute, no locks); waits in short slices."""

    def __init__(self):
        self.value = False

    def set(self) -> None:
        self.value = True

    def is_set(self) -> bool:
        return self.value

    def wait(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not self.value:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(0.05, left))
        return self.value


class Daemon:
    """One reader: reads its port, spools every new read, forwards to the server."""

    def __init__(self, config: ReaderConfig):
        self.config = config
        self.stop = Flag()
        self.parser = make_parser(config.protocol, **config.options)
        self.transport = Transport(config.port, baudrate=config.baudrate, backoff_max=config.backoff_max,
                                   exclusive=config.exclusive, stop=self.stop)
        self.debouncer = Debouncer(config.debounce_seconds)
        self.presence = ShelfPresence(config.missed_cycles) if config.mode == "shelf" else None
        self.forwarder = Forwarder(config.spool, Client(config.server, config.token),
                                   batch_size=config.batch_size, heartbeat_seconds=config.heartbeat_seconds,
                                   backoff_max=config.backoff_max, stats=self.stats)
        self.reads = 0

    def stats(self) -> dict:
        """Health figures sent with each heartbeat."""
        return {"frames": self.parser.frames, "rejected_frames": self.parser.rejected,
                "noise_bytes": self.parser.noise_bytes, "reads": self.reads,
                "port_open": self.transport.is_open, "port_opens": self.transport.opens,
                "protocol": self.config.protocol}

    def install_signal_handlers(self) -> None:
        def _handler(signum, _frame):
            self.stop.set()

        signal.signal(signal.SIGTERM, _handler)
        signal.signal(signal.SIGINT, _handler)

    def run(self) -> int:
        """Run until stopped; returns the exit status."""
        spool = Spool(self.config.spool)
        thread = threading.Thread(target=self.forwarder.run, name="forwarder", daemon=True)
        thread.start()
        log.info("reader %s on %s (%s, %d baud) → %s", self.config.mode, self.config.port, self.config.protocol,
                 self.config.baudrate, self.config.server)
        try:
            self._loop(spool)
        finally:
            self.forwarder.stop.set()
            self.forwarder.wake.set()
            thread.join(timeout=15)
            self.transport.close()
            spool.close()
        log.info("stopped after %d read(s)", self.reads)
        return 0

    def _loop(self, spool: Spool) -> None:
        cfg = self.config
        poll = self.parser.poll_command()
        next_cycle = time.monotonic()
        last_byte = time.monotonic()
        opens = 0
        while not self.stop.is_set():
            now = time.monotonic()
            if now >= next_cycle:
                next_cycle = now + cfg.cycle_seconds
                entries = self._end_cycle()
                if entries:
                    self._spool(spool, entries)
                if poll is not None:
                    self.transport.write(poll)
            data = self.transport.read()
            if data is None:
                continue
            if self.transport.opens != opens:  # reopened: a half frame from before is meaningless
                opens = self.transport.opens
                self.parser.reset()
            now = time.monotonic()
            if data:
                frames = self.parser.feed(data)
                last_byte = now
            elif self.parser.buf and now - last_byte > cfg.idle_seconds:
                frames = self.parser.idle()
            else:
                continue
            entries = self._accept(frames, now)
            if entries:
                self._spool(spool, entries)

    def _accept(self, frames, t: float) -> list[tuple]:
        entries = []
        read_at = iso_utc()
        for frame in frames:
            if self.presence is not None:
                new = self.presence.see(frame.tag)
            else:
                new = self.debouncer.accept(frame.tag, t)
            if new:
                entries.append(("read", frame.tag, frame.scheme, frame.symbology, read_at))
        return entries

    def _end_cycle(self) -> list[tuple]:
        if self.presence is None:
            return []
        read_at = iso_utc()
        return [("departed", tag, self.parser.scheme, "", read_at) for tag in self.presence.end_cycle()]

    def _spool(self, spool: Spool, entries: list[tuple]) -> None:
        spool.add(entries)  # durable before it counts
        self.reads += len(entries)
        for kind, tag, *_rest in entries:
            log.info("%s %s", kind, tag)
        self.forwarder.wake.set()
