"""125 kHz EM4100 readers sending ASCII hex between STX and ETX: RDM6300/RDM630 and ID-12LA/ID-20LA.

RDM6300: STX, 10 hex ID, 2 hex XOR checksum, ETX (14 bytes). ID-xxLA: the same with CR LF before
ETX (16 bytes). An optional clone sends the checksum as one raw byte (13 bytes; READERS.md §1.2).
"""
from .base import Frame, FrameParser

STX, ETX, CR, LF = 0x02, 0x03, 0x0D, 0x0A
HEX = frozenset(b"0123456789ABCDEFabcdef")


def xor_checksum(data: bytes) -> int:
    """XOR of the bytes (the EM4100 ASCII readers' checksum over the 5 ID bytes)."""
    value = 0
    for b in data:
        value ^= b
    return value


class Rdm6300Parser(FrameParser):
    """RDM6300 / RDM630: `02 <10 hex> <2 hex checksum> 03`."""

    name = "rdm6300"
    scheme = "em4100"
    default_baudrate = 9600
    max_buffer = 16
    allow_crlf = False

    def __init__(self, binary_checksum: bool = False, **options):
        super().__init__(**options)
        self.binary_checksum = bool(binary_checksum)

    def feed(self, data: bytes) -> list[Frame]:
        out: list[Frame] = []
        buf = self.buf
        for b in data:
            if self.binary_checksum and len(buf) == 11:
                buf.append(b)  # the clone's raw checksum byte may be any value, even 02 or 03
            elif b == STX:
                # STX never occurs inside a frame (payload is ASCII hex): it always restarts
                if buf:
                    self._reject(bytes(buf), "interrupted by STX")
                buf.clear()
                buf.append(b)
            elif not buf:
                self.noise_bytes += 1
            elif b == ETX:
                buf.append(b)
                frame = self._decode(bytes(buf))
                buf.clear()
                if frame is not None:
                    out.append(self._accept(frame))
            else:
                buf.append(b)
                if not self._plausible(buf):
                    self._reject(bytes(buf), "garbage inside frame")
                    buf.clear()
        return out

    def _plausible(self, buf: bytearray) -> bool:
        """Can this prefix still become a valid frame? (bounds the buffer and resyncs on garbage)"""
        i, b = len(buf) - 2, buf[-1]  # index of the new byte after STX
        check_len = 1 if self.binary_checksum else 2
        if i < 10:
            return b in HEX
        if i < 10 + check_len:
            return self.binary_checksum or b in HEX
        if self.allow_crlf:
            if i == 10 + check_len:
                return b == CR
            if i == 11 + check_len:
                return b == LF
        return False

    def _decode(self, raw: bytes) -> Frame | None:
        body = raw[1:-1]
        if self.allow_crlf:
            # the ID-xxLA always sends CR LF before ETX: a frame without it is not from this reader
            # (an RDM6300 on the wrong port, or line noise that happens to carry a valid checksum)
            if not body.endswith(b"\r\n"):
                self._reject(raw, "missing CR LF")
                return None
            body = body[:-2]
        if self.binary_checksum:
            if len(body) != 11 or not all(c in HEX for c in body[:10]):
                self._reject(raw, "bad length or characters")
                return None
            data, check = bytes.fromhex(body[:10].decode("ascii")), body[10]
        else:
            if len(body) != 12 or not all(c in HEX for c in body):
                self._reject(raw, "bad length or characters")
                return None
            data, check = bytes.fromhex(body[:10].decode("ascii")), int(body[10:12], 16)
        if xor_checksum(data) != check:
            self._reject(raw, "checksum")
            return None
        return Frame(tag=data.hex().upper(), scheme=self.scheme, raw=raw)

    @classmethod
    def encode(cls, tags: list[str], binary_checksum: bool = False, **options) -> bytes:
        out = bytearray()
        for tag in tags:
            data = bytes.fromhex(tag)
            if len(data) != 5:
                raise ValueError(f"an EM4100 tag has 10 hex characters: {tag!r}")
            check = xor_checksum(data)
            out += bytes([STX]) + tag.upper().encode("ascii")
            out += bytes([check]) if binary_checksum else f"{check:02X}".encode("ascii")
            if cls.allow_crlf:
                out += b"\r\n"
            out += bytes([ETX])
        return bytes(out)


class Id12laParser(Rdm6300Parser):
    """ID Innovations ID-3LA/ID-12LA/ID-20LA in ASCII mode: `02 <10 hex> <2 hex> 0D 0A 03`.

    CR LF before ETX is required: a 14-byte RDM6300 frame is refused (use the rdm6300 protocol for those).
    """

    name = "id12la"
    allow_crlf = True
    max_buffer = 16

    def __init__(self, **options):
        super().__init__(binary_checksum=False, **options)
