"""The overnight report as a printable PDF (reportlab), in the reader's language, Chinese text included."""
import io
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.custody.codes import ALERT_STATUSES, EVENT_KINDS
from app.custody.nights.calendar import local_time
from app.i18n import code_name


def report_font() -> str:
    """The one place the report's font is chosen: the project's vendored CJK TrueType font (labels/fonts.py,
    embedded as a subset), or reportlab's built-in CID font STSong-Light when that file is missing."""
    global GLYPH_FALLBACKS
    try:
        from labels.fonts import FONT_NAME, FontMissingError, reportlab_font
    except ImportError:  # pragma: no cover - the labels package is part of the project
        FontMissingError = RuntimeError
        FONT_NAME = None
    try:
        if FONT_NAME is not None:
            reportlab_font()
            GLYPH_FALLBACKS = {}  # the TrueType font has every glyph we print
            return FONT_NAME
    except FontMissingError:
        pass
    name = "STSong-Light"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    GLYPH_FALLBACKS = CID_GLYPH_FALLBACKS
    return name


# characters STSong-Light has no glyph for, and the nearest one it has; archive numbers carry "·"
# (J012-WS·2019-Y-0001)
CID_GLYPH_FALLBACKS = str.maketrans({"\u00b7": "\u30fb"})
GLYPH_FALLBACKS: dict = CID_GLYPH_FALLBACKS


def pdf_text(value) -> str:
    """Text escaped for a Paragraph, with the report font's missing glyphs replaced."""
    return escape(str(value)).translate(GLYPH_FALLBACKS)


CELL_SIZE, CELL_LEADING, CELL_PAD = 8.5, 10.5, 3
ROWS_PER_TABLE = 40  # many small tables: reportlab splits one long table across pages in quadratic time


def _wrap(text: str, font: str, width: float) -> str:
    """Plain cell text broken into lines that fit (plain strings draw ~10x faster than Paragraphs)."""
    lines = []
    for part in str(text).translate(GLYPH_FALLBACKS).split("\n"):
        lines.extend(simpleSplit(part, font, CELL_SIZE, width - 2 * CELL_PAD) or [""])
    return "\n".join(lines)


def _styles(font: str):
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=20, spaceAfter=4),
        "meta": ParagraphStyle("meta", fontName=font, fontSize=9.5, leading=13),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11),
        "head": ParagraphStyle("head", fontName=font, fontSize=8.5, leading=11, textColor=colors.white),
    }


def _t(moment, tz) -> str:
    return local_time(moment, tz).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _table(rows, tz, st, font):
    """The rows as a list of tables of ROWS_PER_TABLE rows, each with the header row."""
    heads = [_("Code"), _("Archive number"), _("Holder at the cutoff"), _("Where at the cutoff"),
             _("Last movement"), _("Alert"), _("Since the cutoff")]
    widths = [24 * mm, 42 * mm, 28 * mm, 30 * mm, 36 * mm, 34 * mm, 71 * mm]
    head = [Paragraph(pdf_text(h), st["head"]) for h in heads]
    body = []
    for r in rows:
        alert = "—"
        if r.alert is not None:
            alert = code_name(ALERT_STATUSES, r.alert.status)
            if r.alert.is_auto_resolved:
                alert += " · " + _("auto-resolved")
            if r.nights_out > 1:
                alert += " · " + _("%(n)s nights", n=r.nights_out)
            if r.alert.resolution and not r.alert.is_auto_resolved:
                alert += ": " + r.alert.resolution
        since = []
        if r.returned_at:
            since.append(_("returned late") + " " + _t(r.returned_at, tz))
        for e in r.since:
            line = f"{_t(e.at, tz)} {code_name(EVENT_KINDS, e.kind)}"
            since.append(line + (f": {e.note}" if e.note else ""))
        if not since:
            since.append(_("nothing recorded: still where it was"))
        last = f"{code_name(EVENT_KINDS, r.snapshot.last_kind)} {_t(r.snapshot.since, tz)}"
        cells = [r.item.code, r.item.archive_no, r.holder.name if r.holder else "—",
                 r.location.name if r.location else "—", last, alert, "\n".join(since)]
        body.append([_wrap(c, font, w) for c, w in zip(cells, widths, strict=True)])
    if not body:
        body.append([_wrap(_("Every volume was in storage at the cutoff."), font, widths[0] * 4), "", "", "", "", "",
                     ""])
    style = TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#13294b")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa3ad")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 1), (-1, -1), font), ("FONTSIZE", (0, 1), (-1, -1), CELL_SIZE),
        ("LEADING", (0, 1), (-1, -1), CELL_LEADING),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD), ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f5f8")]),
    ])
    tables = []
    for i in range(0, len(body), ROWS_PER_TABLE):
        table = Table([head] + body[i:i + ROWS_PER_TABLE], colWidths=widths, repeatRows=1)
        table.setStyle(style)
        tables.append(table)
    return tables


def _seal_block(rep, st) -> list:
    """The night's signed checkpoint as a short code and a QR code (a paper copy anchors the log), and the
    seal key's fingerprint."""
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    from app.custody import seal

    lines = [(_("Seal key fingerprint"), rep.key_fingerprint or _("no seal key"))]
    cp = rep.checkpoint
    if cp is None:
        lines.append((_("Log checkpoint"), _("not sealed yet")))
        return [Paragraph(f"{pdf_text(k)}: {pdf_text(v)}", st["meta"]) for k, v in lines]
    lines += [(_("Log checkpoint"), f"#{cp.id} · {seal.short_code(cp)} · {_t(cp.at, rep.night.tz)}"),
              (_("Sealed rows"), _("custody log %(e)s, admin log %(a)s", e=cp.event_last_id, a=cp.audit_last_id)),
              (_("Check"), _("custody verify-log --paper '<the QR code text>'"))]
    size = 42 * mm
    widget = QrCodeWidget(seal.paper_text(cp), barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    text = [Paragraph(f"{pdf_text(k)}: {pdf_text(v)}", st["meta"]) for k, v in lines]
    table = Table([[drawing, text]], colWidths=[size + 4 * mm, None], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    return [Spacer(1, 2 * mm), table]


def render_report(rep) -> bytes:
    """The report's PDF bytes (A4 landscape, page numbers, header row repeated on every page)."""
    font = report_font()
    st = _styles(font)
    tz = rep.night.tz
    buf = io.BytesIO()
    title = _("Overnight report") + f" · {rep.night.night.isoformat()}"
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=14 * mm, title=title, author=rep.site.name)
    run = rep.run
    if run is None:
        sweep = _("not swept yet")
    else:
        sweep = _t(run.started_at, tz) + (" · " + _("ran late") if run.is_late else "")
    meta = [
        (_("Site"), f"{rep.site.name} ({rep.site.code})"),
        (_("Cutoff"), f"{rep.night.cutoff_local.strftime('%Y-%m-%d %H:%M')} {tz} "
                      f"({rep.night.cutoff_at.strftime('%H:%M')} UTC)"),
        (_("Day"), _("working day") if rep.night.is_workday else _("non-working day")),
        (_("Sweep"), sweep),
        (_("Not returned at the cutoff"), str(len(rep.rows))),
        (_("Returned late since"), str(rep.returned_late)),
        (_("Still out of storage now"), str(rep.still_out)),
        (_("Quarantined outside storage"), str(len(rep.quarantined))),
        (_("Printed"), _t(rep.generated_at, tz)),
    ]
    story = [Paragraph(pdf_text(title), st["title"])]
    story += [Paragraph(f"{pdf_text(k)}: {pdf_text(v)}", st["meta"]) for k, v in meta]
    story += _seal_block(rep, st)
    story += [Spacer(1, 4 * mm), Paragraph(pdf_text(_("Volumes not returned at the cutoff")), st["h2"]),
              *_table(rep.rows, tz, st, font)]
    if rep.quarantined:
        story += [Paragraph(pdf_text(_("Quarantined volumes outside storage")), st["h2"]),
                  *_table(rep.quarantined, tz, st, font)]

    def page_number(canvas, _doc):
        canvas.setFont(font, 8)
        canvas.drawRightString(landscape(A4)[0] - 12 * mm, 8 * mm, _("Page %(n)s", n=canvas.getPageNumber()))

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buf.getvalue()
