"""Chafon UHFReader18 family (CF-RU5102, UHFReader09/18/86/288 and clones): length-prefixed binary.

Response: `Len Adr reCmd Status Data… CRC-LSB CRC-MSB`, CRC-16/MCRF4XX over Len..Data (READERS.md §3.1).
Inventory (reCmd 01) data: `Num (EPCLen EPC)×Num`; the UHFReader288 variant adds an antenna byte
before Num and an RSSI byte after each EPC. Scan mode (reCmd EE) carries one raw data field.
"""
from .base import Frame, FrameParser

HEARTBEAT = bytes([0x56, 0, 0, 0, 0, 0])  # TCP-pushed keep-alive of some models (§3.1.4)
INVENTORY_STATUSES_WITH_DATA = frozenset({0x01, 0x02, 0x03, 0x04})


def crc16_mcrf4xx(data: bytes) -> int:
    """CRC-16/MCRF4XX (poly 0x8408 reflected, init 0xFFFF, no final XOR); check("123456789") = 0x6F91."""
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def with_crc(body: bytes) -> bytes:
    """body + its CRC, LSB first (built arithmetically, never through hex strings)."""
    return body + crc16_mcrf4xx(body).to_bytes(2, "little")


class ChafonParser(FrameParser):
    """UHFReader18 responses; variant "18" (default) or "288"."""

    name = "chafon"
    scheme = "epc"
    default_baudrate = 57600
    max_buffer = 512

    def __init__(self, variant: str = "18", address: int = 0xFF, **options):
        super().__init__(**options)
        if str(variant) not in ("18", "288"):
            raise ValueError("chafon: variant must be 18 or 288")
        self.variant = str(variant)
        self.address = int(address)

    def poll_command(self) -> bytes:
        """The Inventory command (`04 FF 01 1B B4` for broadcast) sent once per cycle."""
        return with_crc(bytes([0x04, self.address & 0xFF, 0x01]))

    def feed(self, data: bytes) -> list[Frame]:
        self.buf += data
        out = self._scan(final=False)
        if len(self.buf) > self.max_buffer:  # cannot happen with Len ≤ 255, kept as a hard bound
            self._reject(bytes(self.buf[:16]), "buffer overflow")
            self.buf.clear()
        return out

    def idle(self) -> list[Frame]:
        return self._scan(final=True)

    def _scan(self, final: bool) -> list[Frame]:
        out: list[Frame] = []
        buf = self.buf
        while buf:
            if buf[:6] == HEARTBEAT:
                del buf[:6]
                continue
            length = buf[0]
            if length < 4:
                self._slide("length byte too small")
                continue
            if len(buf) < length + 1:
                if final:  # no more bytes are coming: this start was noise; slide and retry
                    self._slide("incomplete frame at idle")
                    continue
                break
            raw = bytes(buf[: length + 1])
            if crc16_mcrf4xx(raw) != 0:
                self._slide("CRC")
                continue
            if length == 4:  # a command frame (our own echo on loop:// or RS-485): not a read
                del buf[: length + 1]
                continue
            frames = self._decode(raw)
            if frames is None:
                self._slide("structure")
                continue
            del buf[: length + 1]
            out.extend(self._accept(f) for f in frames)
        return out

    def _slide(self, why: str) -> None:
        """Drop one byte and try again: the next real frame may start inside the rejected bytes."""
        self._reject(bytes(self.buf[:8]), why)
        del self.buf[:1]

    def _decode(self, raw: bytes) -> list[Frame] | None:
        """Tags in a CRC-valid response, [] for a response without tags, None if malformed."""
        recmd, status, data = raw[2], raw[3], raw[4:-2]
        if recmd == 0xEE:
            if status != 0x00 or not data:
                return None
            return [Frame(tag=data.hex().upper(), scheme=self.scheme, raw=raw)]
        if recmd != 0x01 or status not in INVENTORY_STATUSES_WITH_DATA:
            return []  # other answers (no tag FB, errors FA/FE, other commands) carry no reads
        pos = 0
        if self.variant == "288":
            if len(data) < 2:
                return None
            pos = 1  # antenna mask
        if pos >= len(data):
            return None
        count, pos = data[pos], pos + 1
        tags = []
        for _ in range(count):
            if pos >= len(data):
                return None
            n = data[pos]
            pos += 1
            if n == 0 or pos + n > len(data):
                return None  # the EPC length overruns the data field
            tags.append(data[pos: pos + n])
            pos += n
            if self.variant == "288":
                if pos >= len(data):
                    return None
                pos += 1  # RSSI
        if pos != len(data):
            return None  # per-tag lengths must consume exactly the data field
        return [Frame(tag=t.hex().upper(), scheme=self.scheme, raw=raw) for t in tags]

    @classmethod
    def encode(cls, tags: list[str], variant: str = "18", status: int = 0x01, address: int = 0x00,
               **options) -> bytes:
        """One inventory response carrying all the tags (several EPCs in one frame)."""
        data = bytearray()
        if str(variant) == "288":
            data.append(0x01)
        data.append(len(tags))
        for tag in tags:
            epc = bytes.fromhex(tag)
            data.append(len(epc))
            data += epc
            if str(variant) == "288":
                data.append(0x6B)
        if not tags:
            status = 0xFB
        body = bytes([len(data) + 5, address, 0x01, status]) + bytes(data)
        return with_crc(body)
