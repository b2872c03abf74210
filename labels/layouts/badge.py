"""Staff badges on CR80 cards (85.6 × 54 mm): name, organisation, role, badge number, validity, photo area."""
from .base import Box, Label, LayoutError, Text, barcode_fitting, qr_fitting, text_lines

CR80 = (85.6, 54.0)


def badge_card(person, captions: dict | None = None, width: float = CR80[0], height: float = CR80[1]) -> Label:
    """The front of a staff badge; the badge code as Code 128 and QR. Raises LayoutError if it cannot scan."""
    c = {"badge": "No. ", "valid": "", "until": " – "} | (captions or {})
    m = 3.0
    items: list = []
    items += text_lines(person.organisation, m, m, width - 2 * m, 3.4, 2.4, 1)
    photo = Box(m, 9.0, 22.0, 28.0)
    items.append(photo)
    x = photo.x + photo.w + 3.0
    right_w = width - m - x
    y = 9.5
    for text, size, min_size in ((person.name, 6.0, 3.6), (person.position, 3.4, 2.4),
                                 (f"{c['badge']}{person.badge_code}", 3.0, 2.4)):
        lines = text_lines(text, x, y, right_w, size, min_size, 1)
        items += lines
        if lines:
            y = lines[-1].y + lines[-1].size_mm * 1.35
    valid = ""
    if person.valid_from or person.valid_until:
        valid = f"{c['valid']}{person.valid_from or ''}{c['until']}{person.valid_until or ''}"
    items += text_lines(valid, x, y, right_w, 2.8, 2.2, 1)
    # bottom strip: bars on the left, QR at the bottom right (below the text column)
    side = 17.0
    qr = qr_fitting(person.badge_code, width - m - side, height - m - side, side, max_module=0.6)
    bar_h = 8.0
    bar_y = height - m - 2.6 - 0.4 - bar_h
    bars = barcode_fitting(person.badge_code, m, bar_y, width - 2 * m - side - 0.5, bar_h) if qr else None
    if not (qr and bars):
        raise LayoutError("%(code)s does not fit a %(width)s × %(height)s mm label at a scannable size.",
                          code=person.badge_code, width=f"{width:g}", height=f"{height:g}")
    items += [bars, qr, Text(round(bars.x + bars.width / 2, 3), bars.y + bar_h + 0.4, 2.6, person.badge_code,
                             "center")]
    return Label(width, height, items)
