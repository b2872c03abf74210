"""PDF output with reportlab: bars and QR modules as vectors, text in an embedded CJK font subset."""
import io
from collections.abc import Iterable

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas

from .. import fonts
from ..layouts.base import ASCENT, Bars, Box, Label, Text
from ..sheets import Sheet
from ..symbology import runs


def _fmt(v: float) -> str:
    # 3 decimals of a point (0.0004 mm) is far below any printer's dot; shorter than repr, so smaller files
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return s if s != "-0" else "0"


def symbol_path_ops(sym, ox: float, oy: float, page_h: float) -> str:
    """PDF operators drawing one symbol as ONE filled path: a rectangle per run of dark modules.

    The path is built in module units under a `cm` transform (x to the right, y downwards from the
    symbol's top-left corner), so every coordinate is a small integer: quick to write, small to store.
    It is filled with the non-zero rule (`f`): touching or overlapping runs never cancel out as they
    can under even-odd, and the rasteriser fills the symbol in one go, without seams between rows.
    """
    left = (ox + sym.x) * mm
    top = (page_h - oy - sym.y) * mm
    if isinstance(sym, Bars):
        # bars: one unit = one module across, the full bar height down
        head = f"q {_fmt(sym.module_mm * mm)} 0 0 {_fmt(-sym.height * mm)} {_fmt(left)} {_fmt(top)} cm\n"
        body = "\n".join(f"{start} 0 {length} 1 re" for start, length in runs(sym.modules))
    else:
        head = f"q {_fmt(sym.module_mm * mm)} 0 0 {_fmt(-sym.module_mm * mm)} {_fmt(left)} {_fmt(top)} cm\n"
        body = "\n".join(f"{start} {r} {length} 1 re" for r, row in enumerate(sym.matrix)
                          for start, length in runs(row))
    return f"{head}{body}\nf Q"


def draw_label(c, label: Label, ox: float, oy: float, page_h: float) -> None:
    """Draw one label with its top-left corner at (ox, oy) mm from the page's top-left corner."""
    for sym in label.symbols():
        c.addLiteral(symbol_path_ops(sym, ox, oy, page_h))
    font = fonts.FONT_NAME
    for item in label.items:
        if isinstance(item, Text):
            c.setFont(font, item.size_mm * mm)
            x = (ox + item.x) * mm
            y = (page_h - oy - item.y - ASCENT * item.size_mm) * mm
            if item.align == "center":
                c.drawCentredString(x, y, item.text)
            else:
                c.drawString(x, y, item.text)
        elif isinstance(item, Box):
            c.setLineWidth(item.line_mm * mm)
            c.rect((ox + item.x) * mm, (page_h - oy - item.y - item.h) * mm, item.w * mm, item.h * mm,
                   stroke=1, fill=0)


def render_pdf(sheet: Sheet, labels: Iterable[Label], start: int = 1, offset_mm: tuple[float, float] = (0, 0),
               title: str = "Labels") -> bytes:
    """A PDF of the labels placed on the sheet from slot start (1-based), shifted by the printer's offset."""
    fonts.reportlab_font()
    # plain Flate streams: ASCII85 on top would add a quarter to the file and cost time. rl_config is
    # global; another thread's PDF made meanwhile is merely encoded either way, valid both ways.
    saved, rl_config.useA85 = rl_config.useA85, 0
    try:
        return _render(sheet, labels, start, offset_mm, title)
    finally:
        rl_config.useA85 = saved


def _render(sheet, labels, start, offset_mm, title) -> bytes:
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=(sheet.page_w * mm, sheet.page_h * mm), pageCompression=1,
                         invariant=1)
    c.setTitle(title)
    c.setCreator("custody labels")
    dx, dy = offset_mm
    slot = max(0, start - 1) % sheet.per_page if sheet.per_page > 1 else 0
    drawn_on_page = False
    for label in labels:
        if slot == 0 and drawn_on_page:
            c.showPage()
            drawn_on_page = False
        x, y = sheet.slot(slot)
        draw_label(c, label, x + dx, y + dy, sheet.page_h)
        drawn_on_page = True
        slot = (slot + 1) % sheet.per_page
    if not drawn_on_page:
        c.setFont(fonts.FONT_NAME, 10)  # an empty job still gives a valid (blank) page
    c.showPage()
    c.save()
    return buf.getvalue()
