"""The special security acceptance record as a PDF (A4, the reader's language), with three signature blocks."""
import io

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.custody import clock
from app.custody.nights.calendar import local_time
from app.web.alerts.pdf import _styles, pdf_text, report_font


def acceptance_pdf(items, *, site, fingerprint: str, tz: str) -> bytes:
    """The acceptance record: every item met / not met with what is missing, and the signature blocks."""
    font = report_font()
    st = _styles(font)
    now = local_time(clock.now(), tz)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=_("Special security acceptance record"))
    story = [Paragraph(pdf_text(_("Special security acceptance record")), st["title"]),
             Paragraph(pdf_text(f"{_('Site')}: {site.name if site else '—'} · {_('Printed')}: "
                                f"{now:%Y-%m-%d %H:%M} ({tz})"), st["meta"])]
    if fingerprint:
        story.append(Paragraph(pdf_text(f"{_('Signing key fingerprint')}: {fingerprint}"), st["meta"]))
    story.append(Spacer(1, 4 * mm))
    rows = [[Paragraph(pdf_text(_("Acceptance item")), st["head"]), Paragraph(pdf_text(_("Result")), st["head"]),
             Paragraph(pdf_text(_("What is missing")), st["head"])]]
    for item in items:
        if not item.available:
            missing = _("This register is not kept on this site yet.")
        elif item.ok:
            missing = "—"
        else:
            shown = "; ".join(" ".join(str(x) for x in ex[:2]) for ex in item.examples[:8])
            missing = f"{item.missing}: {shown}" + (" …" if item.missing > 8 else "")
        rows.append([Paragraph(pdf_text(_(item.title)), st["cell"]),
                     Paragraph(pdf_text(_("Met") if item.ok else _("Not met")), st["cell"]),
                     Paragraph(pdf_text(missing), st["cell"])])
    table = Table(rows, colWidths=[78 * mm, 20 * mm, 80 * mm], repeatRows=1)
    style = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#334155")),
             ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#94a3b8")), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    for n, item in enumerate(items, start=1):
        style.append(("TEXTCOLOR", (1, n), (1, n), colors.HexColor("#166534" if item.ok else "#b91c1c")))
    table.setStyle(TableStyle(style))
    story += [table, Spacer(1, 6 * mm),
              Paragraph(pdf_text(_("Overall: the project %(verdict)s.", verdict=_("may be accepted")
                                   if all(i.ok for i in items) else _("may not be accepted yet"))), st["h2"]),
              Spacer(1, 6 * mm)]
    blocks = [_("Archive department"), _("Service organisation"), _("Archive administration")]
    sign = [[Paragraph(pdf_text(b), st["h2"]) for b in blocks],
            [Paragraph(pdf_text(_("Printed name")) + ":", st["meta"]) for _b in blocks],
            [Paragraph(pdf_text(_("Signature")) + ":", st["meta"]) for _b in blocks],
            [Paragraph(pdf_text(_("Date")) + ":", st["meta"]) for _b in blocks]]
    sig = Table(sign, colWidths=[59 * mm] * 3, rowHeights=[10 * mm, 12 * mm, 16 * mm, 12 * mm])
    sig.setStyle(TableStyle([("BOX", (0, 0), (0, -1), 0.6, colors.black), ("BOX", (1, 0), (1, -1), 0.6, colors.black),
                             ("BOX", (2, 0), (2, -1), 0.6, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(sig)
    doc.build(story)
    return buf.getvalue()
