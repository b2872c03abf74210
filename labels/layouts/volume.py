"""Volume and media labels: Code 128 + QR of the label URL + text lines, for any sheet or roll size."""
from dataclasses import dataclass

from .base import Label, LayoutError, Text, barcode_fitting, qr_fitting, text_lines


@dataclass(frozen=True)
class Block:
    """A run of text on a label: shrinks to min_size, then wraps over max_lines, then ellipsises."""

    text: str
    size: float
    min_size: float
    max_lines: int = 1
    shrink_first: bool = False  # identifiers (archive numbers) shrink before they wrap


def coded_label(width: float, height: float, code: str, qr_data: str, blocks: list[Block]) -> Label:
    """A label with bars, the code in words, a QR symbol and text blocks; raises LayoutError if it cannot scan."""
    m = 2.0 if min(width, height) >= 35 else 1.5
    code_size = 2.6 if height >= 35 else 2.2
    bar_h = max(5.0, min(10.0, height * 0.24))
    bar_y = height - m - code_size - 0.4 - bar_h
    # side by side: QR the full height on the right, bars under the text on the left
    side = min(height - 2 * m, width * 0.42)
    qr = qr_fitting(qr_data, width - m - side, m + (height - 2 * m - side) / 2, side)
    bars = barcode_fitting(code, m, bar_y, width - 2 * m - side, bar_h) if qr else None
    if qr and bars:
        text_right, text_bottom = width - m - side, bar_y - 0.8
    else:
        # stacked: bars across the whole width at the bottom, QR above on the right
        bars = barcode_fitting(code, m, bar_y, width - 2 * m, bar_h)
        side = min(bar_y - m - 0.3, width * 0.45)
        qr = qr_fitting(qr_data, width - m - side, m, side) if bars else None
        text_right, text_bottom = width - m - side, bar_y - 0.8
    if not (qr and bars):
        raise LayoutError("%(code)s does not fit a %(width)s × %(height)s mm label at a scannable size.",
                          code=code, width=f"{width:g}", height=f"{height:g}")
    items: list = [bars, qr, Text(round(bars.x + bars.width / 2, 3), round(bars.y + bars.height + 0.4, 3),
                                  code_size, code, "center")]
    y, max_w = m, text_right - m - 0.5
    for block in blocks:
        if text_bottom - y < block.min_size or max_w < 5:
            break
        lines = text_lines(block.text, m, y, max_w, block.size, block.min_size, block.max_lines,
                           max_h=text_bottom - y, shrink_first=block.shrink_first)
        items.extend(lines)
        if lines:
            y = lines[-1].y + lines[-1].size_mm * 1.25
    return Label(width, height, items)


def volume_label(item, url: str, width: float, height: float) -> Label:
    """The label of a volume (code, QR of its URL, archive number, title); raises LayoutError/SymbologyError."""
    big = height >= 35
    return coded_label(width, height, item.code, url, [
        Block(item.archive_no, 3.6 if big else 3.0, 2.2, 2, shrink_first=True),
        Block(item.title, 3.2 if big else 2.6, 2.2, 2 if big else 1),
    ])


def media_label(item, url: str, width: float, height: float, captions: dict | None = None) -> Label:
    """A small media label: code, type, capacity, serial number; raises LayoutError/SymbologyError."""
    c = {"type": "", "capacity": "", "serial": "S/N "} | (captions or {})
    first = " ".join(p for p in (f"{c['type']}{item.media_type}" if item.media_type else "",
                                 f"{c['capacity']}{item.capacity}" if item.capacity else "") if p)
    return coded_label(width, height, item.code, url, [
        Block(first, 3.0, 2.2, 1),
        Block(f"{c['serial']}{item.serial_no}" if item.serial_no else "", 2.6, 2.0, 1),
        Block(getattr(item, "title", "") or "", 2.6, 2.0, 1),
    ])
