"""The process flow sheet (流程单) as a PDF on A4 or A5, in Chinese or English, one volume after another.

Layout only: the rows come from services.sheet. Each page carries a QR code of the live sheet's
address, so the paper that travels with the volume leads back to the record.
"""
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from labels.fonts import FONT_NAME, fit, reportlab_font
from labels.symbology import qr_matrix, runs

from ..models import Site
from . import rules, services

SIZES = {"A4": A4, "A5": A5}
LANGS = ("zh", "en")
TEXT = {
    "zh": {"title": "档案数字化流程单", "code": "编号", "archive_no": "档号", "name": "题名", "step": "工序",
           "device": "设备号", "count": "数量", "handler": "经办人", "start": "开始", "end": "完成",
           "outcome": "结果", "event": "保管记录", "flag": "数量不符", "page": "第 %d 页 / 共 %d 页",
           "reopened": "（返工前）"},
    "en": {"title": "Process flow sheet", "code": "Code", "archive_no": "Archive no.", "name": "Title",
           "step": "Step", "device": "Device", "count": "Count", "handler": "Handler", "start": "Started",
           "end": "Finished", "outcome": "Result", "event": "Custody",
           "flag": "Counts disagree", "page": "page %d of %d", "reopened": " (before rework)"},
}
OUTCOME_TEXT = {"zh": {"in_progress": "进行中", "done": "完成", "passed": "合格", "failed": "不合格返工",
                       "skipped": "跳过"},
                "en": {"in_progress": "in progress", "done": "done", "passed": "passed", "failed": "failed, rework",
                       "skipped": "skipped"}}
EVENT_TEXT = {"zh": {"check_out": "出库", "return": "入库", "move": "移动", "hand_over": "交接", "quarantine": "隔离",
                     "release": "解除隔离", "damage": "破损登记", "undo": "撤销", "late_read": "迟到的读卡（未生效）"}}
# column widths as fractions of the text width
COLUMNS = (("step", .20), ("device", .12), ("count", .08), ("handler", .14), ("start", .155), ("end", .155),
           ("outcome", .15))
ROW_H = 6 * mm


def sheet_url(code: str, base_url: str = "") -> str:
    """The address of a volume's live sheet (what the QR code carries)."""
    if not base_url:
        site = Site.select(Site.base_url).first()
        base_url = site.base_url if site and site.base_url else "http://localhost"
    return f"{base_url.rstrip('/')}/flow/sheet/{code}"


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return "—"
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).strftime("%m-%d %H:%M")


def _event_name(kind: str, lang: str) -> str:
    """A custody event's kind in the sheet's language (English: the code set's own name)."""
    if lang == "zh" and kind in EVENT_TEXT["zh"]:
        return EVENT_TEXT["zh"][kind]
    from ..vocab import REGISTRY

    return REGISTRY["event_kind"].msgid(kind) if kind in REGISTRY["event_kind"] else kind.replace("_", " ")


def _qr(c: Canvas, text: str, x: float, y: float, size: float) -> None:
    matrix = qr_matrix(text)
    module = size / (len(matrix) + 8)
    c.setFillGray(0)
    path = c.beginPath()
    for r, row in enumerate(matrix):
        for start, length in runs(row):
            path.rect(x + (start + 4) * module, y + size - (r + 5) * module, length * module, module)
    c.drawPath(path, stroke=0, fill=1)


def sheets_pdf(codes, *, size: str = "A4", lang: str = "zh", base_url: str = "", tolerance: int = 0) -> bytes:
    """The flow sheets of these volumes (codes or Items) in one PDF; raises ItemNotFound, ValueError (size/lang)."""
    if size not in SIZES or lang not in LANGS:
        raise ValueError("size must be A4 or A5, lang zh or en")
    reportlab_font()
    site = Site.select(Site.timezone).first()
    tz = ZoneInfo(site.timezone if site else "Asia/Shanghai")
    width, height = SIZES[size]
    margin = 12 * mm if size == "A4" else 8 * mm
    text_w = width - 2 * margin
    t = TEXT[lang]
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=SIZES[size], pageCompression=1)
    c.setTitle(t["title"])
    for code in codes:
        item, rows, events = services.sheet(code)
        flagged = {r.id for pair in rules.count_differences(rows, tolerance) for r in pair}
        # the custody events sit between the steps, in the order things happened (rules.interleave)
        lines = rules.interleave(rows, events)
        per_page = int((height - 2 * margin - 48 * mm) // ROW_H)
        chunks = [lines[i:i + per_page] for i in range(0, len(lines), per_page)] or [[]]
        url = sheet_url(item.code, base_url)
        for page, chunk in enumerate(chunks, 1):
            y = height - margin
            c.setFont(FONT_NAME, 14)
            c.drawString(margin, y - 6 * mm, t["title"])
            _qr(c, url, width - margin - 28 * mm, y - 28 * mm, 28 * mm)
            c.setFont(FONT_NAME, 9)
            for i, (key, value) in enumerate((("code", item.code), ("archive_no", item.archive_no),
                                              ("name", item.title))):
                c.drawString(margin, y - (13 + 5 * i) * mm,
                             fit(f"{t[key]}: {value}", 9 * 0.3528, text_w - 32 * mm))
            y -= 36 * mm
            x = margin
            c.setFont(FONT_NAME, 8)
            for key, frac in COLUMNS:
                c.drawString(x + 1 * mm, y - 4 * mm, t[key])
                x += frac * text_w
            c.line(margin, y - ROW_H, margin + text_w, y - ROW_H)
            y -= ROW_H
            for kind, value in chunk:
                if kind == "event":
                    text = f"{t['event']}  {_local(value.at, tz)}  {_event_name(value.kind, lang)}  {value.note or ''}"
                    c.setFont(FONT_NAME, 8)
                    c.setFillGray(0.35)
                    c.drawString(margin + 4 * mm, y - 4 * mm, fit(text, 8 * 0.3528, text_w - 6 * mm))
                    c.setFillGray(0)
                    c.setLineWidth(0.3)
                    c.setDash(1, 2)
                    c.line(margin, y - ROW_H, margin + text_w, y - ROW_H)
                    c.setDash()
                else:
                    _row(c, value, lang, tz, margin, y, text_w, value.id in flagged)
                y -= ROW_H
            c.setFont(FONT_NAME, 7)
            c.drawString(margin, margin - 4 * mm, t["page"] % (page, len(chunks)) + f"   {item.code}   {url}")
            c.showPage()
    c.save()
    return buffer.getvalue()


def _row(c, row, lang, tz, margin, y, text_w, flagged) -> None:
    t = TEXT[lang]
    name = row.step_zh if lang == "zh" else row.step_en
    if not row.is_current:
        name += t["reopened"]
    outcome = OUTCOME_TEXT[lang][row.outcome]
    if row.note:
        outcome += f": {row.note}"
    count = "" if row.quantity is None else str(row.quantity)
    if flagged:
        count += " !"
    cells = {"step": name, "device": row.device.code if row.device_id else "", "count": count,
             "handler": row.operator.name if row.operator_id else "", "start": _local(row.started_at, tz),
             "end": _local(row.finished_at, tz), "outcome": outcome}
    x = margin
    c.setFont(FONT_NAME, 8)
    for key, frac in COLUMNS:
        c.drawString(x + 1 * mm, y - 4 * mm, fit(cells[key], 8 * 0.3528, frac * text_w - 2 * mm))
        x += frac * text_w
    if flagged:
        c.setFont(FONT_NAME, 7)
        c.drawString(margin + text_w - 20 * mm, y - 4 * mm, "")
    c.setLineWidth(0.3)
    c.line(margin, y - ROW_H, margin + text_w, y - ROW_H)
