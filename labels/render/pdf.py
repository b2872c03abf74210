"""PDF output with reportlab: bars and QR modules as vectors, text in an embedded CJK font subset."""
import io
from collections.abc import Iterable

from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas

from .. import fonts
from ..layouts.base import ASCENT, Bars, Box, Label, Matrix, Text
from ..sheets import Sheet
from ..symbology import runs


def _fmt(v: float) -> str:
    # 3 decimals of a point (0.0004 mm) is far below any printer's dot; shorter than repr, so smaller files
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return s if s != "-0" else "0"


def symbol_path_ops(label: Label, ox: float, oy: float, page_h: float) -> str:
    """PDF path operators for every bar and dark module of the label: one rectangle per run of dark modules."""
    ops = []
    for sym in label.symbols():
        if isinstance(sym, Bars):
            y = (page_h - oy - sym.y - sym.height) * mm
            h = _fmt(sym.height * mm)
            for start, length in runs(sym.modules):
                ops.append(f"{_fmt((ox + sym.x + start * sym.module_mm) * mm)} {_fmt(y)} "
                           f"{_fmt(length * sym.module_mm * mm)} {h} re")
        elif isinstance(sym, Matrix):
            mod = sym.module_mm * mm
            h = _fmt(mod)
            x0 = (ox + sym.x) * mm
            top = (page_h - oy - sym.y) * mm
            for r, row in enumerate(sym.matrix):
                y = _fmt(top - (r + 1) * mod)
                for start, length in runs(row):
                    ops.append(f"{_fmt(x0 + start * mod)} {y} {_fmt(length * mod)} {h} re")
    return "\n".join(ops)


def draw_label(c, label: Label, ox: float, oy: float, page_h: float) -> None:
    """Draw one label with its top-left corner at (ox, oy) mm from the page's top-left corner."""
    ops = symbol_path_ops(label, ox, oy, page_h)
    if ops:
        # one path, filled with the non-zero rule: overlapping runs never punch holes (even-odd would),
        # and the viewer rasterises the symbol in one go, without hairline seams between rows
        c.addLiteral(ops + "\nf")
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
