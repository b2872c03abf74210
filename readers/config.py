"""Reader configuration: a dataclass from a TOML file and/or command-line options, validated
before any port opens."""
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from .protocols import REGISTRY

BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)
MODES = ("door", "shelf", "station")


class ConfigError(ValueError):
    """The configuration cannot work; the message says which setting and why."""


@dataclass
class ReaderConfig:
    port: str = ""
    protocol: str = ""
    server: str = ""
    token: str = ""
    token_file: str = ""
    spool: str = "reader-spool.db"
    baudrate: int = 0  # 0: the protocol's usual rate
    mode: str = "door"  # door: debounce; shelf: presence (arrived/departed); station: debounce
    debounce_seconds: float = 2.0
    cycle_seconds: float = 1.0  # shelf inventory cycle (Chafon: one Inventory command per cycle)
    missed_cycles: int = 3  # shelf: departed after this many cycles unseen
    heartbeat_seconds: float = 30.0
    batch_size: int = 50
    idle_seconds: float = 0.2  # a partial frame older than this is dropped (readers never pause mid-frame)
    backoff_max: float = 30.0
    exclusive: bool = True
    log_level: str = "INFO"
    options: dict = field(default_factory=dict)  # protocol options, e.g. suffix = "cr", variant = "288"

    def validate(self) -> "ReaderConfig":
        """Check every setting; raises ConfigError naming the first bad one."""
        if not self.port:
            raise ConfigError("port: give a device path or a pyserial URL (loop://, socket://host:port, rfc2217://…)")
        if self.protocol not in REGISTRY:
            raise ConfigError(f"protocol: {self.protocol!r} is not one of {', '.join(sorted(REGISTRY))}")
        parts = urlsplit(self.server)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"server: {self.server!r} is not an http:// or https:// URL")
        if self.token_file and not self.token:
            try:
                self.token = Path(self.token_file).read_text(encoding="utf-8").strip()
            except OSError as err:
                raise ConfigError(f"token_file: cannot read {self.token_file}: {err.strerror}") from None
        if not self.token:
            raise ConfigError("token: give the reader's token (custody add-reader prints it) or token_file")
        if not self.baudrate:
            self.baudrate = REGISTRY[self.protocol].default_baudrate
        if self.baudrate not in BAUDRATES:
            raise ConfigError(f"baudrate: {self.baudrate} is not one of {', '.join(map(str, BAUDRATES))}")
        if self.mode not in MODES:
            raise ConfigError(f"mode: {self.mode!r} is not one of {', '.join(MODES)}")
        for name in ("debounce_seconds", "cycle_seconds", "heartbeat_seconds", "idle_seconds", "backoff_max"):
            if not float(getattr(self, name)) > 0:
                raise ConfigError(f"{name}: must be a positive number of seconds")
        if not 1 <= int(self.missed_cycles) <= 1000:
            raise ConfigError("missed_cycles: must be between 1 and 1000")
        if not 1 <= int(self.batch_size) <= 500:
            raise ConfigError("batch_size: must be between 1 and 500")
        if not self.spool:
            raise ConfigError("spool: give the path of the spool database file")
        try:
            REGISTRY[self.protocol](**self.options)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"options: {err}") from None
        return self


def load(path: str | None = None, **overrides) -> ReaderConfig:
    """Read a TOML file (keys at the top level or under [reader]), apply non-None overrides, validate.

    Raises ConfigError.
    """
    values: dict = {}
    if path:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except OSError as err:
            raise ConfigError(f"cannot read {path}: {err.strerror}") from None
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{path} is not valid TOML: {err}") from None
        values = dict(data.get("reader", data))
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in fields(ReaderConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    try:
        config = ReaderConfig(**values)
    except TypeError as err:
        raise ConfigError(str(err)) from None
    return config.validate()
