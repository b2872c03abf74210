"""10-digit decimal line readers (USB "virtual COM" desk readers): `<10 digits>` + CR, LF or CR LF.

The digits are normally the last 8 hex digits of the EM4100 ID in decimal (8H10D, READERS.md §1.5);
leading zeros are significant, so the tag stays a string.
"""
from .base import Frame, FrameParser

CR, LF = 0x0D, 0x0A
DIGITS = frozenset(b"0123456789")


class Decimal10Parser(FrameParser):
    """Exactly 10 ASCII digits, value ≤ 4294967295, terminated by CR, LF or CR LF."""

    name = "decimal10"
    scheme = "em-decimal"
    default_baudrate = 9600
    max_buffer = 10

    def __init__(self, **options):
        super().__init__(**options)
        self.bad_line = False  # the current line already overflowed or held a non-digit

    def feed(self, data: bytes) -> list[Frame]:
        out: list[Frame] = []
        buf = self.buf
        for b in data:
            if b in (CR, LF):
                if self.bad_line:
                    self._reject(bytes(buf), "not 10 digits")
                elif buf:
                    frame = self._decode(bytes(buf))
                    if frame is not None:
                        out.append(self._accept(frame))
                # an empty line (the LF of CR LF) is no frame and no error
                buf.clear()
                self.bad_line = False
            elif self.bad_line:
                continue
            elif b in DIGITS and len(buf) < self.max_buffer:
                buf.append(b)
            else:
                self.bad_line = True
        return out

    def _decode(self, raw: bytes) -> Frame | None:
        if len(raw) != 10 or int(raw) > 0xFFFFFFFF:
            self._reject(raw, "not a 10-digit 32-bit number")
            return None
        return Frame(tag=raw.decode("ascii"), scheme=self.scheme, raw=raw)

    def idle(self) -> list[Frame]:
        # a line reader always ends its line; a pause mid-line is a broken line
        if self.buf or self.bad_line:
            self._reject(bytes(self.buf), "incomplete line at idle")
        self.buf.clear()
        self.bad_line = False
        return []

    def reset(self) -> None:
        super().reset()
        self.bad_line = False

    @classmethod
    def encode(cls, tags: list[str], suffix: str = "\r\n", **options) -> bytes:
        out = bytearray()
        for tag in tags:
            if len(tag) == 10 and tag.isdigit():
                digits = tag
            else:  # an EM4100 hex ID: the reader prints its last 8 hex digits in decimal (8H10D)
                digits = f"{int(tag[-8:], 16):010d}"
            out += digits.encode("ascii") + suffix.encode("ascii")
        return bytes(out)
