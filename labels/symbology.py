"""Encoding only: Code 128 modules via python-barcode, QR matrices via qrcode. Data, no images."""
import re
from functools import lru_cache

import barcode
import qrcode
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_M, ERROR_CORRECT_Q

# Codes are printed in Code 128 and put in the label URL /i/<code>: upper-case letters, digits and the
# URL-unreserved marks - . _ need no escaping anywhere (URL, ZPL ^FD, scanner keyboard wedges).
CODE_RE = re.compile(r"^[A-Z0-9._-]{1,32}$")
ALLOWED_CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._"

# qrcode tries all 8 masks by default (about 4 ms a symbol here). A fixed mask is 4× faster; mask 6 is the
# one PERF-NOTES measured decoding on 65 of 65 labels, and tests/labels decode every label printed with it.
QR_MASK = 6
QR_ECC = {"M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}


class SymbologyError(ValueError):
    """The data cannot be encoded as asked."""


def check_code(code: str) -> str:
    """The code if it can go on a label; raises SymbologyError naming the bad input."""
    if not CODE_RE.match(code or ""):
        raise SymbologyError(code)
    return code


def code128_modules(code: str) -> str:
    """Code 128 modules of the code as "1101…" (1 = dark), start to stop, no quiet zone; raises SymbologyError."""
    check_code(code)
    return barcode.get("code128", code).build()[0]


@lru_cache(maxsize=256)
def _qr(text: str, ecc: str, mask: int | None) -> tuple[str, ...]:
    qr = qrcode.QRCode(error_correction=QR_ECC[ecc], border=0, mask_pattern=mask)
    # one byte-mode segment: a ZPL printer's own ^BQ (automatic mode) then never needs a larger
    # version than the one the layout made room for
    qr.add_data(text, optimize=0)
    qr.make(fit=True)
    return tuple("".join("1" if dark else "0" for dark in row) for row in qr.get_matrix())


def qr_matrix(text: str, ecc: str = "M", mask: int | None = QR_MASK) -> tuple[str, ...]:
    """The QR matrix of text as rows of "1" (dark) / "0" (light), no quiet zone; raises SymbologyError."""
    if ecc not in QR_ECC:
        raise SymbologyError(f"error correction {ecc!r}")
    if not text:
        raise SymbologyError(text)
    try:
        return _qr(text, ecc, mask)
    except qrcode.exceptions.DataOverflowError as exc:
        raise SymbologyError(text) from exc


_DARK = re.compile("1+")


def runs(bits) -> list[tuple[int, int]]:
    """(start, length) of every run of dark modules in a row ("1" or True = dark): one rectangle each."""
    if not isinstance(bits, str):
        bits = "".join("1" if b else "0" for b in bits)
    return [(m.start(), m.end() - m.start()) for m in _DARK.finditer(bits)]
