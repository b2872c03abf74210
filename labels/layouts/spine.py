"""Spine labels for archive boxes: tall and narrow, QR on top, archive number and title, code at the foot."""
from .base import Label, LayoutError, Text, barcode_fitting, qr_fitting, text_lines


def spine_label(item, url: str, width: float, height: float) -> Label:
    """A portrait spine label; raises LayoutError when the label is too narrow for the QR symbol."""
    if height < width:
        raise LayoutError("A spine label must be taller than it is wide.")
    m = 2.0
    side = width - 2 * m
    qr = qr_fitting(url, m, m, side)
    if qr is None:
        raise LayoutError("%(code)s does not fit a %(width)s × %(height)s mm label at a scannable size.",
                          code=item.code, width=f"{width:g}", height=f"{height:g}")
    items: list = [qr]
    code_size = 3.0
    bottom = height - m - code_size
    bar_h = 8.0
    bars = barcode_fitting(item.code, m, bottom - 0.4 - bar_h, width - 2 * m, bar_h)
    if bars:
        items.append(bars)
        bottom = bars.y - 1.0
    items.append(Text(width / 2, height - m - code_size, code_size, item.code, "center"))
    y = qr.quiet_box[1] + qr.quiet_box[3] + 1.0
    max_w = width - 2 * m
    for text, size, lines, shrink in ((item.archive_no, 4.0, 4, True), (item.title, 3.6, 12, False)):
        if bottom - y < 2.4:
            break
        block = text_lines(text, width / 2, y, max_w, size, 2.4, lines, "center", max_h=bottom - y,
                           shrink_first=shrink)
        items.extend(block)
        if block:
            y = block[-1].y + block[-1].size_mm * 1.4
    return Label(width, height, items)
