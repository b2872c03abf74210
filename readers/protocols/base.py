"""What every frame parser shares: the Frame it emits and the incremental FrameParser contract."""
import logging
from dataclasses import dataclass, field

log = logging.getLogger("readers.protocols")


@dataclass(frozen=True)
class Frame:
    """One valid read: the tag in its canonical text form (READERS.md §0)."""

    tag: str
    scheme: str  # em4100 | em-decimal | epc | barcode
    symbology: str = ""  # AIM identifier of a barcode, e.g. "]C0"
    raw: bytes = field(default=b"", compare=False, repr=False)


class FrameParser:
    """Incremental parser: feed() any split of the byte stream and get the same frames.

    Subclasses keep a bounded buffer, resynchronise after noise and check every checksum; an
    invalid frame is counted in `rejected` (and logged at DEBUG in hex), never returned.
    """

    name = "base"
    scheme = ""
    default_baudrate = 9600
    max_buffer = 64

    def __init__(self, **options):
        if options:
            raise ValueError(f"{self.name}: unknown option(s): {', '.join(sorted(options))}")
        self.buf = bytearray()
        self.frames = 0
        self.rejected = 0
        self.noise_bytes = 0

    def feed(self, data: bytes) -> list[Frame]:
        """Consume bytes; return the complete, valid frames they finish."""
        raise NotImplementedError

    def idle(self) -> list[Frame]:
        """The line went quiet: resolve or drop a partial frame (a real reader never pauses mid-frame)."""
        if self.buf:
            self._reject(bytes(self.buf), "incomplete frame at idle")
            self.buf.clear()
        return []

    def reset(self) -> None:
        """Forget any partial frame (the port was reopened)."""
        self.buf.clear()

    def poll_command(self) -> bytes | None:
        """Bytes to send at the start of each inventory cycle (host-driven readers), or None."""
        return None

    @classmethod
    def encode(cls, tags: list[str], **options) -> bytes:
        """Real frames carrying these tags, as the reader would send them (for `simulate`)."""
        raise NotImplementedError

    def _reject(self, raw: bytes, why: str) -> None:
        self.rejected += 1
        log.debug("%s: rejected frame (%s): %s", self.name, why, raw.hex(" "))

    def _accept(self, frame: Frame) -> Frame:
        self.frames += 1
        return frame
