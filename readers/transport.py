"""The serial side: serial.serial_for_url (device path, loop://, socket://, rfc2217://, …).

Reads in a loop; when the device disappears or errors it closes, waits with capped exponential
backoff (WARNING on the first failure, DEBUG after) and reopens — resolving a by-id/by-path
symlink again on each open. Never busy-loops: every wait is on the stop event.
"""
import logging
import os
import threading

import serial

log = logging.getLogger("readers.transport")


class Transport:
    """One serial port, reopened on failure until `stop` is set."""

    def __init__(self, url: str, *, baudrate: int = 9600, read_timeout: float = 0.05,
                 backoff_initial: float = 0.2, backoff_max: float = 30.0, exclusive: bool = True,
                 stop: threading.Event | None = None):
        self.url = url
        self.baudrate = baudrate
        self.read_timeout = read_timeout
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.exclusive = exclusive
        self.stop = stop or threading.Event()
        self.port: serial.SerialBase | None = None
        self.failures = 0
        self.opens = 0

    @property
    def is_open(self) -> bool:
        return self.port is not None and self.port.is_open

    def _target(self) -> str:
        # a device path that is a symlink (/dev/serial/by-id/…) is resolved on every open
        if "://" not in self.url and os.path.islink(self.url):
            return os.path.realpath(self.url)
        return self.url

    def open(self) -> bool:
        """Try to open the port once; True on success (failures are logged and counted)."""
        try:
            # a write that cannot complete (a stuck network serial server) must not hang the loop
            port = serial.serial_for_url(self._target(), do_not_open=True, baudrate=self.baudrate,
                                         timeout=self.read_timeout, write_timeout=2.0)
            if self.exclusive and hasattr(port, "exclusive"):
                port.exclusive = True  # flock on POSIX devices; URL handlers ignore it
            keep_first_bytes = self._target().startswith("socket://")
            if keep_first_bytes:
                # pyserial's socket:// open() ends with reset_input_buffer(), which reads and throws away
                # whatever the reader sent in the first moments of the connection: a read lost
                port.reset_input_buffer = lambda: None
            port.open()
            if keep_first_bytes:
                del port.reset_input_buffer
        except (serial.SerialException, OSError, ValueError) as err:
            self._failed("cannot open", err)
            return False
        self.port = port
        self.opens += 1
        if self.failures:
            log.warning("port %s open again after %d failure(s)", self.url, self.failures)
        else:
            log.info("port %s open", self.url)
        self.failures = 0
        return True

    def _failed(self, what: str, err: Exception) -> None:
        self.failures += 1
        level = logging.WARNING if self.failures == 1 else logging.DEBUG
        log.log(level, "%s %s: %s", what, self.url, err)

    def close(self) -> None:
        if self.port is not None:
            try:
                self.port.close()
            except (serial.SerialException, OSError):
                pass
            self.port = None

    def backoff(self) -> float:
        """The wait before the next attempt: initial × 2^(failures-1), capped."""
        return min(self.backoff_max, self.backoff_initial * (2 ** max(0, self.failures - 1)))

    def read(self) -> bytes | None:
        """Bytes available now (b"" after a quiet read timeout); None while the port is down.

        Opens/reopens as needed and waits out the backoff itself, so callers can loop on it.
        """
        if self.port is None:
            if not self.open():
                self.stop.wait(self.backoff())
                return None
        try:
            waiting = self.port.in_waiting if hasattr(self.port, "in_waiting") else 0
            data = self.port.read(max(1, min(waiting, 4096)))
            if data and self.port.in_waiting:
                data += self.port.read(min(self.port.in_waiting, 4096))
            return data
        except (serial.SerialException, OSError) as err:
            self._failed("read failed on", err)
            self.close()
            self.stop.wait(self.backoff())
            return None

    def write(self, data: bytes) -> bool:
        """Send bytes (host-driven readers); False if the port is down."""
        if self.port is None:
            return False
        try:
            self.port.write(data)
            return True
        except (serial.SerialException, OSError) as err:
            self._failed("write failed on", err)
            self.close()
            return False
