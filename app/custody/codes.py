"""Scan normalisation and code generation."""
import re

_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_URL_CODE = re.compile(r"/i/([^/?#\s]+)/?(?:[?#].*)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalize_scan(raw: str) -> str:
    """Turn any scan form into a code: "]C0v00012345 " → "V00012345", ".../i/v00012345" → "V00012345"."""
    text = _CONTROL.sub("", raw or "").strip()
    if _AIM.match(text):
        text = text[3:].strip()
    match = _URL_CODE.search(text)
    if match:
        text = match.group(1)
    return text.strip().upper()


def format_code(prefix: str, number: int) -> str:
    """The canonical form of a generated code: prefix + 8 digits."""
    return f"{prefix}{number:08d}"


def next_number(existing_codes, prefix: str) -> int:
    """The number after the highest prefix+digits code among existing_codes."""
    best = 0
    for code in existing_codes:
        if code and code.startswith(prefix) and code[len(prefix):].isdigit():
            best = max(best, int(code[len(prefix):]))
    return best + 1
