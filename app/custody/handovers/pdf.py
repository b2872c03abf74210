"""The handover list (交接单) in duplicate and the batch pick list, as A4 PDFs in Chinese and English.

Layout only: the data comes from the models and services. Drawn on the canvas directly (a 500-volume
list is 1,000 table rows over both copies), with the project's vendored CJK font embedded as a subset.
Each page carries its copy's name, "page x of y" and a QR code of the handover's address.
"""
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from labels.fonts import FONT_NAME, fit, reportlab_font
from labels.symbology import qr_matrix, runs

from ..models import Item, Location, Site
from .codes import CONDITIONS
from .lists import handlers
from .models import Handover, HandoverLine
from .rules import totals

COPIES = (("第一联 档案部门", "Copy 1: archive department"), ("第二联 服务机构", "Copy 2: service organisation"))
DIRECTION_TEXT = {"to_service": ("档案部门 → 服务机构", "archive department → service organisation"),
                  "to_archive": ("服务机构 → 档案部门", "service organisation → archive department")}
CONDITION_ZH = {"intact": "完好", "damaged": "破损", "pages_missing": "缺页", "mismatch": "与目录不符"}
PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
ROW_H = 6 * mm
HEAD_H = 62 * mm  # title block on a copy's first page
TOP_H = 22 * mm  # copy name, number, QR on the following pages
FOOT_H = 12 * mm  # page x of y
END_H = 58 * mm  # totals, both handlers, two signature blocks
COLUMNS = (("序号 No.", 14), ("档号 Archive number", 48), ("题名 Title", 63), ("页数 Pages", 18),
           ("状况 Condition", 37))  # widths in mm, 180 in all


def _tz() -> ZoneInfo:
    return ZoneInfo(Site.timezone_name())


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return "—"
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _qr(c: Canvas, text: str, x: float, y: float, size: float) -> None:
    """A QR code with its top-left corner at (x, y + size), quiet zone included in size."""
    matrix = qr_matrix(text)
    n = len(matrix) + 8
    module = size / n
    c.setFillGray(1)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillGray(0)
    path = c.beginPath()
    for r, row in enumerate(matrix):
        for start, length in runs(row):
            path.rect(x + (start + 4) * module, y + size - (r + 5) * module, length * module, module)
    c.drawPath(path, stroke=0, fill=1)


def _text(c: Canvas, x: float, y: float, text: str, size: float = 9) -> None:
    c.setFont(FONT_NAME, size)
    c.drawString(x, y, text)


def _plan(rows: int) -> tuple[list[tuple[int, int]], bool]:
    """Rows per page as (start, end) slices, and whether the closing block needs a page of its own."""
    usable = PAGE_H - 2 * MARGIN - FOOT_H
    capacity = int((usable - HEAD_H - ROW_H) // ROW_H)
    rest = int((usable - TOP_H - ROW_H) // ROW_H)
    slices, start = [], 0
    while True:
        end = min(rows, start + capacity)
        slices.append((start, end))
        if end >= rows:
            break
        start, capacity = end, rest
    # the closing block (totals, signatures) goes under the last rows, or on a page of its own
    return slices, (capacity - (slices[-1][1] - slices[-1][0])) * ROW_H < END_H


def handover_pdf(handover: Handover, *, base_url: str = "") -> bytes:
    """The handover list in duplicate: 第一联 (archive department) then 第二联 (service organisation)."""
    reportlab_font()
    lines = list(HandoverLine.select(HandoverLine, Item).join(Item)
                 .where(HandoverLine.handover == handover.id).order_by(Item.archive_no, Item.code))
    included = [line for line in lines if line.from_condition and line.to_condition]
    sums = totals(lines)
    tz = _tz()
    people = handlers(handover)
    location = Location.get_by_id(handover.location_id) if handover.location_id else None
    if not base_url:
        site = Site.select(Site.base_url).first()
        base_url = site.base_url.rstrip("/") if site and site.base_url else ""
    url = f"{base_url}/handovers/{handover.number}"
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1)
    c.setTitle(f"交接单 Handover list {handover.number}")
    c.setCreator("custody tracker")
    plan = _plan(len(included))
    for copy_zh, copy_en in COPIES:
        _draw_copy(c, handover, included, sums, tz, people, location, url, f"{copy_zh} · {copy_en}", plan)
    c.save()
    return buffer.getvalue()


def _draw_page_frame(c: Canvas, handover: Handover, copy: str, page: int, pages: int, url: str) -> None:
    _text(c, MARGIN, PAGE_H - MARGIN - 5 * mm, copy, 11)
    _text(c, MARGIN, PAGE_H - MARGIN - 11 * mm, f"交接单编号 No. {handover.number}", 9)
    _qr(c, url, PAGE_W - MARGIN - 20 * mm, PAGE_H - MARGIN - 20 * mm, 20 * mm)
    c.setFont(FONT_NAME, 8)
    c.drawCentredString(PAGE_W / 2, MARGIN, f"第 {page} 页 / 共 {pages} 页 · page {page} of {pages}")
    _draw_fingerprint(c)


def _draw_fingerprint(c: Canvas) -> None:
    """The site's signing-key fingerprint (docs/security.md) at the foot of the page, when the site has a key."""
    from .. import seal

    fingerprint = seal.public_key_fingerprint()
    if fingerprint:
        c.setFont(FONT_NAME, 7)
        c.drawRightString(PAGE_W - MARGIN, MARGIN, f"签名密钥指纹 Signing key: {fingerprint}")


def _draw_table_head(c: Canvas, y: float) -> float:
    x = MARGIN
    c.setFillGray(0.9)
    c.rect(MARGIN, y - ROW_H, PAGE_W - 2 * MARGIN, ROW_H, stroke=0, fill=1)
    c.setFillGray(0)
    for title, width in COLUMNS:
        _text(c, x + 1.5 * mm, y - ROW_H + 2 * mm, title, 8)
        x += width * mm
    return y - ROW_H


def _draw_row(c: Canvas, y: float, n: int, line: HandoverLine) -> float:
    item = line.item
    condition = line.to_condition or line.from_condition
    note = line.to_note or line.from_note
    cells = (str(n), item.archive_no or item.code, item.title or "",
             "" if line.to_pages is None else str(line.to_pages),
             f"{CONDITION_ZH.get(condition, condition)} {CONDITIONS.msgid(condition)}" + (f" {note}" if note else ""))
    x = MARGIN
    c.setFont(FONT_NAME, 8)
    for (_title, width), text in zip(COLUMNS, cells, strict=True):
        c.drawString(x + 1.5 * mm, y - ROW_H + 2 * mm, fit(text, 8 * 0.3528, width - 3))
        x += width * mm
    c.setLineWidth(0.3)
    c.line(MARGIN, y - ROW_H, PAGE_W - MARGIN, y - ROW_H)
    return y - ROW_H


def _draw_copy(c, handover, included, sums, tz, people, location, url, copy, plan) -> None:
    pages = len(plan[0]) + (1 if plan[1] else 0)
    _draw_page_frame(c, handover, copy, 1, pages, url)
    y = PAGE_H - MARGIN - 24 * mm
    _text(c, MARGIN, y, "档案交接单 Handover list", 16)
    zh, en = DIRECTION_TEXT.get(handover.direction, (handover.direction, handover.direction))
    facts = [
        f"方向 Direction: {zh} ({en})",
        f"批次 Batch: {handover.batch.number if handover.batch_id else '—'}"
        + (f" · 更正 Corrects: {handover.corrects.number}" if handover.corrects_id else ""),
        f"交出方 Handing over: {handover.from_org or '—'}    接收方 Receiving: {handover.to_org or '—'}",
        f"地点 Place: {location.name if location else '—'}    状态 Status: "
        + ("已确认 confirmed" if handover.status == "confirmed" else "未确认 not yet confirmed"),
    ]
    y -= 8 * mm
    for fact in facts:
        _text(c, MARGIN, y, fact, 9)
        y -= 6 * mm
    slices, own_page = plan
    pages = len(slices) + (1 if own_page else 0)
    for page, (start, end) in enumerate(slices, start=1):
        if page > 1:
            c.showPage()
            _draw_page_frame(c, handover, copy, page, pages, url)
        y = _draw_table_head(c, PAGE_H - MARGIN - (HEAD_H if page == 1 else TOP_H))
        for n in range(start, end):
            y = _draw_row(c, y, n + 1, included[n])
    if own_page:
        c.showPage()
        _draw_page_frame(c, handover, copy, pages, pages, url)
        y = PAGE_H - MARGIN - TOP_H
    y -= 7 * mm
    _text(c, MARGIN, y, f"合计 Totals: {sums.volumes} 卷 volumes · {sums.pages} 页 pages · "
                        f"{sums.damaged} 卷有破损或问题 damaged or with problems", 10)
    y -= 9 * mm
    block_w = (PAGE_W - 2 * MARGIN - 10 * mm) / 2
    for i, (side, zh_side, en_side) in enumerate((("from", "交出方经办人", "Handed over by"),
                                                  ("to", "接收方经办人", "Received by"))):
        x = MARGIN + i * (block_w + 10 * mm)
        person = people.get(getattr(handover, f"{side}_person_id"))
        confirmed = getattr(handover, f"{side}_confirmed_at")
        c.setLineWidth(0.6)
        c.rect(x, y - 36 * mm, block_w, 36 * mm)
        _text(c, x + 3 * mm, y - 6 * mm, f"{zh_side} {en_side}", 9)
        _text(c, x + 3 * mm, y - 12 * mm, f"{person.name if person else '—'}"
                                          f"{' · ' + person.organisation if person and person.organisation else ''}", 9)
        _text(c, x + 3 * mm, y - 18 * mm, f"确认时间 Confirmed: {_local(confirmed, tz)}", 9)
        _text(c, x + 3 * mm, y - 30 * mm, "签字 Signature: ____________________", 9)
    c.showPage()


def pick_list_pdf(batch, rows) -> bytes:
    """The batch's pick list: volumes sorted by shelf, for one walk through the storage room."""
    reportlab_font()
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1)
    c.setTitle(f"调档单 Pick list {batch.number}")
    per_page = int((PAGE_H - 2 * MARGIN - 30 * mm - FOOT_H) // ROW_H)
    pages = max(1, -(-len(rows) // per_page))
    widths = (("序号 No.", 14), ("库位 Shelf", 30), ("条码 Code", 28), ("档号 Archive number", 50),
              ("题名 Title", 58))
    for page in range(1, pages + 1):
        _text(c, MARGIN, PAGE_H - MARGIN - 6 * mm, f"调档单 Pick list · 批次 Batch {batch.number}", 14)
        _text(c, MARGIN, PAGE_H - MARGIN - 13 * mm, batch.title or "", 9)
        c.setFont(FONT_NAME, 8)
        c.drawCentredString(PAGE_W / 2, MARGIN, f"第 {page} 页 / 共 {pages} 页 · page {page} of {pages}")
        _draw_fingerprint(c)
        y = PAGE_H - MARGIN - 24 * mm
        x = MARGIN
        for title, width in widths:
            _text(c, x + 1.5 * mm, y - ROW_H + 2 * mm, title, 8)
            x += width * mm
        y -= ROW_H
        for n, (item, shelf) in enumerate(rows[(page - 1) * per_page: page * per_page], start=(page - 1) * per_page + 1):
            x = MARGIN
            for (_t, width), text in zip(widths, (str(n), shelf or "—", item.code, item.archive_no, item.title or ""),
                                         strict=True):
                c.setFont(FONT_NAME, 8)
                c.drawString(x + 1.5 * mm, y - ROW_H + 2 * mm, fit(text, 8 * 0.3528, width - 3))
                x += width * mm
            c.setLineWidth(0.3)
            c.line(MARGIN, y - ROW_H, PAGE_W - MARGIN, y - ROW_H)
            y -= ROW_H
        c.showPage()
    c.save()
    return buffer.getvalue()
