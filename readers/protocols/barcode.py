"""Serial barcode scanners (RS-232 or USB CDC): `[AIM id] data suffix`.

The suffix is configurable (CR, LF, CR LF, TAB, or "any" = CR, LF or CR LF); the AIM symbology
identifier (`]` + code character + modifier, ISO/IEC 15424) is stripped from the data and kept.
"""
import re

from .base import Frame, FrameParser

SUFFIXES = {"any": None, "cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "tab": b"\t"}
AIM = re.compile(rb"^\][A-Za-z][0-9A-Za-z]")
# GS (0x1D) is the GS1 field separator and is data; other control bytes are line noise
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1c\x1e\x1f\x7f]")


def gtin_check_ok(digits: str) -> bool:
    """The GS1 mod-10 check digit of an EAN-13/EAN-8/UPC-A number is right."""
    if not digits.isdigit() or len(digits) < 8:
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _is_ean(symbology: str, text: str) -> bool:
    """Is this an EAN/UPC read: AIM ]E… (EAN/UPC family) with 8, 12 or 13 digits, or 13 bare digits?"""
    if symbology.startswith("]E"):
        return text.isdigit() and len(text) in (8, 12, 13)
    return not symbology and len(text) == 13 and text.isdigit()


class BarcodeParser(FrameParser):
    """One message per line; AIM identifier kept in Frame.symbology."""

    name = "barcode"
    scheme = "barcode"
    default_baudrate = 115200
    max_buffer = 512

    def __init__(self, suffix: str = "any", require_aim: bool = False, **options):
        super().__init__(**options)
        if suffix not in SUFFIXES:
            raise ValueError(f"barcode: suffix must be one of {', '.join(SUFFIXES)}")
        self.suffix = SUFFIXES[suffix]
        self.require_aim = bool(require_aim)
        self.overflow = False

    def feed(self, data: bytes) -> list[Frame]:
        out: list[Frame] = []
        for b in data:
            line = self._take(b)
            if line is None:
                continue
            if self.overflow:
                self._reject(bytes(line[:32]), "line too long")
                self.overflow = False
                continue
            if line:
                frame = self._decode(bytes(line))
                if frame is not None:
                    out.append(self._accept(frame))
        return out

    def _take(self, b: int) -> bytes | None:
        """Add one byte; return the finished line (without suffix) or None."""
        buf = self.buf
        if self.suffix is None:
            if b in (0x0D, 0x0A):
                line = bytes(buf)
                buf.clear()
                return line
        else:
            buf.append(b)
            if buf.endswith(self.suffix):
                line = bytes(buf[: -len(self.suffix)])
                buf.clear()
                return line
            if len(buf) > self.max_buffer:
                del buf[: len(buf) - len(self.suffix)]  # keep a possible partial suffix
                self.overflow = True
            return None
        if len(buf) >= self.max_buffer:
            buf.clear()
            self.overflow = True
        else:
            buf.append(b)
        return None

    def _decode(self, raw: bytes) -> Frame | None:
        symbology = ""
        body = raw
        match = AIM.match(body)
        if match:
            symbology, body = match.group(0).decode("ascii"), body[3:]
        elif self.require_aim:
            self._reject(raw, "no AIM symbology identifier")
            return None
        body = body.strip(b" ")
        if not body or _CONTROL.search(body):
            self._reject(raw, "empty or control characters")
            return None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            self._reject(raw, "not UTF-8")
            return None
        if _is_ean(symbology, text) and not gtin_check_ok(text):
            # a misread EAN/UPC (the scanner's own check can be switched off): never a code we act on
            self._reject(raw, "EAN/UPC check digit")
            return None
        return Frame(tag=text, scheme=self.scheme, symbology=symbology, raw=raw)

    def reset(self) -> None:
        super().reset()
        self.overflow = False

    def idle(self) -> list[Frame]:
        if self.buf:
            self._reject(bytes(self.buf[:32]), "line without suffix at idle")
        self.buf.clear()
        self.overflow = False
        return []

    @classmethod
    def encode(cls, tags: list[str], suffix: str = "crlf", symbology: str = "]C0", **options) -> bytes:
        end = SUFFIXES.get(suffix) or b"\r\n"
        return b"".join(symbology.encode("ascii") + t.encode("utf-8") + end for t in tags)
