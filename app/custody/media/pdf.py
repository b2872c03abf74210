"""The media register's printable lists (register, loan log, disposal list, handover list in duplicate).

Layout only: the caller passes the title, the column headings and the rows, already in the reader's
language; Chinese text is set in the project's vendored CJK font (labels/fonts.py).
"""
import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def _font() -> str:
    from labels.fonts import FONT_NAME, reportlab_font

    reportlab_font()
    return FONT_NAME


def table_pdf(title: str, headings: list[str], rows: list[list], *, subtitle: str = "",
              copies: list[str] | None = None, signatures: list[str] | None = None) -> bytes:
    """A landscape A4 PDF of one table; with `copies`, the whole list once per copy, each copy named
    (a handover list in duplicate), and a signature line per entry of `signatures` under each copy."""
    font = _font()
    title_style = ParagraphStyle("t", fontName=font, fontSize=14, leading=18, spaceAfter=4)
    small = ParagraphStyle("s", fontName=font, fontSize=8.5, leading=10.5)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=title)
    story = []
    for n, copy in enumerate(copies or [""]):
        if n:
            story.append(PageBreak())
        story.append(Paragraph(escape(title), title_style))
        if subtitle or copy:
            story.append(Paragraph(escape(" · ".join(p for p in (subtitle, copy) if p)), small))
        story.append(Spacer(1, 4 * mm))
        data = [[Paragraph(escape(str(h)), small) for h in headings]]
        data += [[Paragraph(escape("" if v is None else str(v)), small) for v in row] for row in rows]
        table = Table(data, repeatRows=1, colWidths=[doc.width / max(1, len(headings))] * len(headings))
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef0f3")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(table)
        for line in signatures or []:
            story.append(Spacer(1, 8 * mm))
            story.append(Paragraph(escape(line) + " ________________________", small))
    doc.build(story)
    return buf.getvalue()
