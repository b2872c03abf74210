"""PNG previews: the label as a printer at dpi would lay it down (Pillow)."""
import io

from PIL import Image, ImageDraw

from .. import fonts
from ..layouts.base import ASCENT, Bars, Box, Label, Matrix, Text
from ..symbology import runs


def render_image(label: Label, dpi: int = 300) -> Image.Image:
    """The label as a greyscale image at dpi, white background."""
    s = dpi / 25.4
    img = Image.new("L", (max(1, round(label.width_mm * s)), max(1, round(label.height_mm * s))), 255)
    draw = ImageDraw.Draw(img)
    for item in label.items:
        if isinstance(item, Bars):
            top, bottom = round(item.y * s), round((item.y + item.height) * s) - 1
            for start, length in runs(item.modules):
                x0 = item.x + start * item.module_mm
                draw.rectangle([round(x0 * s), top, round((x0 + length * item.module_mm) * s) - 1, bottom], fill=0)
        elif isinstance(item, Matrix):
            m = item.module_mm
            for r, row in enumerate(item.matrix):
                y0, y1 = round((item.y + r * m) * s), round((item.y + (r + 1) * m) * s) - 1
                for start, length in runs(row):
                    x0 = item.x + start * m
                    draw.rectangle([round(x0 * s), y0, round((x0 + length * m) * s) - 1, y1], fill=0)
        elif isinstance(item, Text):
            px = max(6, round(item.size_mm * s))
            anchor = "ms" if item.align == "center" else "ls"
            draw.text((item.x * s, (item.y + ASCENT * item.size_mm) * s), item.text, font=fonts.pil_font(px),
                      fill=0, anchor=anchor)
        elif isinstance(item, Box):
            draw.rectangle([round(item.x * s), round(item.y * s), round((item.x + item.w) * s),
                            round((item.y + item.h) * s)], outline=0, width=max(1, round(item.line_mm * s)))
    return img


def render_png(label: Label, dpi: int = 300) -> bytes:
    """PNG bytes of the label at dpi (a preview before printing)."""
    buf = io.BytesIO()
    render_image(label, dpi).save(buf, "PNG", dpi=(dpi, dpi), optimize=False)
    return buf.getvalue()


def render_sheet(stock, labels_: list[Label], *, start: int = 1, page: int = 1, dpi: int = 150) -> tuple[bytes, int]:
    """PNG bytes of one page of labels laid out on the stock as the PDF prints them (a sheet: its slots
    outlined, the labels in place from slot `start`; a roll: the labels one under another), and the page count."""
    s = dpi / 25.4
    if stock.per_page == 1:  # a roll or a card: a strip of at most 8 labels per preview page
        per, first = 8, 0
        pages = max(1, -(-len(labels_) // per))
        chunk = labels_[(page - 1) * per: page * per]
        gap = 3.0
        img = Image.new("L", (round((stock.label_w + 2 * gap) * s),
                              round((len(chunk) * (stock.label_h + gap) + gap) * s) or 1), 200)
        for n, label in enumerate(chunk):
            y = gap + n * (stock.label_h + gap)
            img.paste(render_image(label, dpi), (round(gap * s), round(y * s)))
    else:
        per, first = stock.per_page, start - 1
        pages = max(1, -(-(first + len(labels_)) // per))
        img = Image.new("L", (round(stock.page_w * s), round(stock.page_h * s)), 255)
        for index in range((page - 1) * per, page * per):
            n = index - first
            if 0 <= n < len(labels_):
                x, y = stock.slot(index)
                img.paste(render_image(labels_[n], dpi), (round(x * s), round(y * s)))
        draw = ImageDraw.Draw(img)
        for slot in range(per):  # the die-cut edges, over the labels as on the sheet
            x, y = stock.slot(slot)
            draw.rectangle([round(x * s), round(y * s), round((x + stock.label_w) * s),
                            round((y + stock.label_h) * s)], outline=190, width=1)
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(dpi, dpi), optimize=False)
    return buf.getvalue(), pages
