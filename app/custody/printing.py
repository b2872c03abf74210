"""Label jobs: which items, which stock, which printer → PDF/ZPL/PNG bytes; printers and their calibration.

No Flask here: the pages and the `custody labels` command both call these functions.
"""
import json
import re
import socket
from dataclasses import dataclass

from app.db import write_tx
from labels import layouts, sheets
from labels.layouts.base import LayoutError
from labels.render.pdf import render_pdf
from labels.render.png import render_png, render_sheet
from labels.render.zpl import DPIS, render_zpl
from labels.symbology import SymbologyError

from . import audit, clock
from .codes import normalize_scan
from .errors import N_, CustodyError, NotFoundError
from .models import PRINTER_KINDS, Item, Location, Person, Printer, Site

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
MAX_LABELS = 5000  # one job; a bigger batch is several jobs (and several minutes at the printer)
LABEL_KINDS = ("volume", "media", "spine", "location")  # location: shelves, rooms, workstations
FORMATS = ("pdf", "zpl")
_RANGE = re.compile(r"^([A-Z]*)(\d+)-([A-Z]*)(\d+)$")

# LayoutError reasons raised inside labels/, listed here so they are translated
_LAYOUT_MESSAGES = (
    N_("%(code)s does not fit a %(width)s × %(height)s mm label at a scannable size."),
    N_("A spine label must be taller than it is wide."),
    N_("Unknown layout: %(name)s"),
    N_("Page and label sizes must be positive and there must be at least one slot."),
    N_("At most 20 columns and 40 rows."),
    N_("The pitch must be at least the label size, or labels overlap."),
    N_("The labels do not fit on the page: check margins, pitch and label size."),
)


class LabelError(CustodyError):
    code = "label_error"
    status = 422


class PrinterNotFound(NotFoundError):
    code = "unknown_printer"
    template = N_("Unknown printer: %(name)s")


class PrinterUnreachable(CustodyError):
    code = "printer_unreachable"
    status = 502
    template = N_("The printer %(name)s at %(address)s did not take the job: %(reason)s")


@dataclass
class Job:
    data: bytes
    mimetype: str
    filename: str
    count: int


def parse_codes(text: str) -> list[str]:
    """Codes from free text: separated by spaces, commas or lines; V00000001-V00000100 is a range.

    Raises LabelError for a backwards range or more than MAX_LABELS codes.
    """
    codes: list[str] = []
    for token in re.split(r"[\s,;，；、]+", text or ""):
        token = normalize_scan(token)
        if not token:
            continue
        match = _RANGE.match(token)
        if match and match.group(1) == match.group(3) and len(match.group(2)) == len(match.group(4)):
            prefix, first, last = match.group(1), int(match.group(2)), int(match.group(4))
            if last < first:
                raise LabelError(N_("The range %(range)s runs backwards."), range=token)
            if last - first + 1 > MAX_LABELS:
                raise LabelError(N_("At most %(max)s labels in one job."), max=MAX_LABELS)
            width = len(match.group(2))
            codes.extend(f"{prefix}{n:0{width}d}" for n in range(first, last + 1))
        else:
            codes.append(token)
    if len(codes) > MAX_LABELS:
        raise LabelError(N_("At most %(max)s labels in one job."), max=MAX_LABELS)
    return list(dict.fromkeys(codes))  # the same code twice prints once, in first-seen order


def _import_summary(batch: str, kind: str) -> dict:
    from .models import ImportJob

    job = ImportJob.get_or_none(ImportJob.id == int(batch)) if str(batch).strip().isdigit() else None
    if job is None or job.kind != kind or job.status != "done":
        raise LabelError(N_("No finished import %(batch)s to print from."), batch=batch)
    return json.loads(job.summary or "{}")


def select_items(*, codes: str = "", location: str = "", query: str = "", kind: str = "",
                 batch: str = "") -> list[Item]:
    """Items chosen by codes/ranges, by an import batch, by location (and the places inside it) or by a
    search, in code order. Raises LabelError when nothing is chosen or codes are unknown."""
    items: list[Item] = []
    if str(batch).strip():
        from .imports import imported_items

        items = list(imported_items(_import_summary(batch, "items")).order_by(Item.code).limit(MAX_LABELS + 1))
    elif codes.strip():
        wanted = parse_codes(codes)
        found = {}
        for i in range(0, len(wanted), 500):  # bounded IN lists for SQLite's variable limit
            found.update({it.code: it for it in Item.select().where(Item.code.in_(wanted[i:i + 500]))})
        missing = [c for c in wanted if c not in found]
        if missing:
            shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            raise LabelError(N_("Unknown codes (%(n)s): %(codes)s"), n=len(missing), codes=shown)
        items = [found[c] for c in wanted]
    elif location.strip():
        root = Location.by_code(location)
        ids, frontier = {root.id}, [root.id]
        while frontier:
            frontier = [r.id for r in Location.select(Location.id).where(Location.parent.in_(frontier))
                        if r.id not in ids]
            ids.update(frontier)
        items = list(Item.select().where(Item.location.in_(list(ids))).order_by(Item.code).limit(MAX_LABELS + 1))
    elif query.strip():
        q = query.strip()
        items = list(Item.select().where(Item.code.contains(q.upper()) | Item.archive_no.contains(q)
                                         | Item.title.contains(q)).order_by(Item.code).limit(MAX_LABELS + 1))
    if kind:
        items = [it for it in items if it.kind == kind]
    if not items:
        raise LabelError(N_("No items chosen: give codes, a location or a search."))
    if len(items) > MAX_LABELS:
        raise LabelError(N_("At most %(max)s labels in one job."), max=MAX_LABELS)
    return items


def select_locations(*, codes: str = "", under: str = "") -> list[Location]:
    """Locations chosen by their codes, or a location and every place inside it, in code order; raises
    LabelError when none is chosen or codes are unknown, LocationNotFound for an unknown `under`."""
    if codes.strip():
        wanted = parse_codes(codes)
        found = {loc.code: loc for loc in Location.select().where(Location.code.in_(wanted[:MAX_LABELS]))}
        missing = [c for c in wanted if c not in found]
        if missing:
            shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            raise LabelError(N_("Unknown location codes (%(n)s): %(codes)s"), n=len(missing), codes=shown)
        return [found[c] for c in wanted]
    if under.strip():
        root = Location.by_code(under)
        chosen, frontier = [root], [root.id]
        while frontier:
            below = list(Location.select().where(Location.parent.in_(frontier)).order_by(Location.code))
            chosen.extend(below)
            frontier = [loc.id for loc in below]
        return sorted(chosen, key=lambda loc: loc.code)[:MAX_LABELS]
    raise LabelError(N_("No locations chosen: give location codes, or a location to print it and the places "
                        "inside it."))


def label_url(code: str, base_url: str = "") -> str:
    """The URL a label's QR code carries: <site address>/i/<code>."""
    return f"{(base_url or DEFAULT_BASE_URL).rstrip('/')}/i/{code}"


def resolve_stock(layout: str, custom: dict | None = None) -> sheets.Sheet:
    """The sheet, roll or card by name ("custom" takes page size, margins, pitch, label size); raises LabelError."""
    try:
        if layout == "custom":
            return sheets.custom_sheet(**(custom or {}))
        return sheets.get_sheet(layout)
    except LayoutError as err:
        raise LabelError(err.reason, **err.params) from None
    except (TypeError, ValueError):
        raise LabelError(N_("The custom sheet needs page size, rows, columns and label size in millimetres.")) from None


def build_labels(kind: str, items, stock: sheets.Sheet, base_url: str = "", captions: dict | None = None) -> list:
    """One Label per item (volume, media or spine) or per Location (kind "location") sized for the stock;
    raises LabelError naming the item."""
    if kind not in LABEL_KINDS:
        raise LabelError(N_("Unknown label kind: %(kind)s"), kind=kind)
    made = []
    for item in items:
        try:
            if kind == "location":
                names = (captions or {}).get("location_kinds", {})
                made.append(layouts.location_label(item.code, item.name, str(names.get(item.kind, item.kind)),
                                                   stock.label_w, stock.label_h))
                continue
            url = label_url(item.code, base_url)
            if kind == "volume":
                made.append(layouts.volume_label(item, url, stock.label_w, stock.label_h))
            elif kind == "media":
                made.append(layouts.media_label(item, url, stock.label_w, stock.label_h, captions))
            else:
                made.append(layouts.spine_label(item, url, stock.label_w, stock.label_h))
        except SymbologyError:
            raise LabelError(N_("%(code)s cannot be printed as a barcode: use letters A–Z, digits and - . _ only "
                                "(at most 32)."), code=item.code) from None
        except LayoutError as err:
            raise LabelError(err.reason, **err.params) from None
    return made


def labels_for_codes(kind: str, codes: str, stock: sheets.Sheet, *, base_url: str = "",
                     captions: dict | None = None) -> list:
    """The labels a list of codes and ranges asks for: badge cards (badge codes), location labels (location
    codes) or item labels (item codes, their QR codes opening `base_url`). Raises LabelError."""
    if kind == "badge":
        return build_badges(select_people(codes), captions)
    if kind == "location":
        return build_labels(kind, select_locations(codes=codes), stock, "", captions)
    return build_labels(kind, select_items(codes=codes), stock, label_base_url(base_url), captions)


VOID_MARK = "无效 VOID"


def build_badges(people, captions: dict | None = None, *, void: bool = False) -> list:
    """One CR80 badge card per person; only active badges print (raises LabelError naming the first that is
    not active) unless void=True, when a card that is not active is printed marked 无效 VOID. Raises
    LabelError naming the badge that cannot be printed."""
    made = []
    for person in people:
        if person.badge_status != "active" and not void:
            raise LabelError(N_("The badge of %(name)s (%(code)s) is not active: only active badges print."),
                             name=person.name, code=person.badge_code)
        try:
            card = layouts.badge_card(person, captions)
            if person.badge_status != "active":
                from labels.layouts.base import Text

                card.items.append(Text(round(card.width_mm / 2, 3), card.height_mm / 2 - 4, 8.0, VOID_MARK,
                                       "center"))
            made.append(card)
        except SymbologyError:
            raise LabelError(N_("%(code)s cannot be printed as a barcode: use letters A–Z, digits and - . _ only "
                                "(at most 32)."), code=person.badge_code) from None
        except LayoutError as err:
            raise LabelError(err.reason, **err.params) from None
    return made


def select_people(badges: str = "", active_only: bool = False, batch: str = "") -> list[Person]:
    """People by badge codes, by import batch, or every active badge; raises LabelError when none or unknown."""
    if str(batch).strip():
        from .imports import imported_people

        people = list(imported_people(_import_summary(batch, "people")).order_by(Person.badge_code))
    elif badges.strip():
        wanted = parse_codes(badges)
        found = {p.badge_code: p for p in Person.select().where(Person.badge_code.in_(wanted))}
        missing = [c for c in wanted if c not in found]
        if missing:
            raise LabelError(N_("Unknown badges: %(codes)s"), codes=", ".join(missing[:5]))
        people = [found[c] for c in wanted]
    elif active_only:
        people = list(Person.select().where(Person.badge_status == "active").order_by(Person.badge_code))
    else:
        people = []
    if not people:
        raise LabelError(N_("No people chosen: give badge codes."))
    return people[:MAX_LABELS]


def render_job(labels_, stock: sheets.Sheet, fmt: str = "pdf", *, start: int = 1, dpi: int = 203,
               printer: Printer | None = None, name: str = "labels") -> Job:
    """The labels as a PDF on the stock or as ZPL, with the printer's calibration; raises LabelError."""
    offset = printer.offset if printer is not None else (0.0, 0.0)
    if printer is not None and printer.kind == "zpl":
        dpi = printer.dpi
    if fmt == "pdf":
        if not 1 <= start <= stock.per_page:
            raise LabelError(N_("The start position must be between 1 and %(n)s."), n=stock.per_page)
        return Job(render_pdf(stock, labels_, start=start, offset_mm=offset, title=name), "application/pdf",
                   f"{name}.pdf", len(labels_))
    if fmt == "zpl":
        if dpi not in DPIS:
            raise LabelError(N_("ZPL is made for 203 or 300 dpi printers."))
        return Job(render_zpl(labels_, dpi=dpi, offset_mm=offset).encode("utf-8"), "text/plain; charset=utf-8",
                   f"{name}.zpl", len(labels_))
    raise LabelError(N_("Unknown output format: %(fmt)s"), fmt=fmt)


def preview_png(label, dpi: int = 300) -> bytes:
    """A PNG preview of one label."""
    return render_png(label, dpi)


def preview_sheet_png(labels_, stock: sheets.Sheet, *, start: int = 1, page: int = 1) -> tuple[bytes, int]:
    """A PNG of one page of the job as it will print (every label in its slot) and the number of pages;
    raises LabelError for a start position or page outside the job."""
    if stock.per_page > 1 and not 1 <= start <= stock.per_page:
        raise LabelError(N_("The start position must be between 1 and %(n)s."), n=stock.per_page)
    data, pages = render_sheet(stock, labels_, start=start if stock.per_page > 1 else 1, page=max(1, page))
    if page > pages:
        raise LabelError(N_("The job has %(n)s pages."), n=pages)
    return data, pages


# printers ------------------------------------------------------------------------------------------------

def _check_printer_fields(fields: dict) -> dict:
    clean = dict(fields)
    clean["name"] = (clean.get("name") or "").strip()
    if not clean["name"]:
        raise LabelError(N_("A printer needs a name."))
    if clean.get("kind") not in PRINTER_KINDS:
        raise LabelError(N_("A printer is either a PDF or a ZPL printer."))
    if clean.get("kind") == "zpl" and int(clean.get("dpi") or 0) not in DPIS:
        raise LabelError(N_("ZPL is made for 203 or 300 dpi printers."))
    if clean.get("stock") not in sheets.SHEETS:
        raise LabelError(N_("Unknown layout: %(name)s"), name=clean.get("stock"))
    for axis in ("offset_x_mm", "offset_y_mm"):
        if abs(float(clean.get(axis) or 0)) > 20:
            raise LabelError(N_("Calibration offsets are at most 20 mm either way."))
    port = int(clean.get("port") or 9100)
    if not 1 <= port <= 65535:
        raise LabelError(N_("The port must be between 1 and 65535."))
    clean["port"] = port
    clean["host"] = (clean.get("host") or "").strip()
    return clean


def save_printer(fields: dict, *, by, printer: Printer | None = None, ip: str = "", now=None) -> Printer:
    """Create or change a printer and log it in the admin log; raises LabelError for bad settings."""
    now = now or clock.now()
    clean = _check_printer_fields(fields)
    with write_tx():
        clash = Printer.get_or_none(Printer.name == clean["name"])
        if clash is not None and (printer is None or clash.id != printer.id):
            raise LabelError(N_("A printer named %(name)s already exists."), name=clean["name"])
        if printer is None:
            printer = Printer.create(**clean, created_at=now)
            action = "printer.create"
        else:
            for key, value in clean.items():
                setattr(printer, key, value)
            printer.save()
            action = "printer.update"
        audit.append_audit(action, user=by, target=printer.name, detail=clean, ip=ip, at=now)
    return printer


def delete_printer(printer: Printer, *, by, ip: str = "", now=None) -> None:
    """Remove a printer and log it in the admin log."""
    now = now or clock.now()
    with write_tx():
        name = printer.name
        printer.delete_instance()
        audit.append_audit("printer.delete", user=by, target=name, ip=ip, at=now)


def printer_by_name(name: str) -> Printer:
    """The printer with this name; raises PrinterNotFound."""
    printer = Printer.get_or_none(Printer.name == name)
    if printer is None:
        raise PrinterNotFound(name=name)
    return printer


def send_raw(printer: Printer, data: bytes, timeout: float = 10.0) -> int:
    """Send a job to the printer's raw port (9100) and close; returns bytes sent; raises PrinterUnreachable."""
    address = f"{printer.host}:{printer.port}"
    if not printer.host:
        raise LabelError(N_("The printer %(name)s has no network address: download the job instead."),
                         name=printer.name)
    try:
        with socket.create_connection((printer.host, printer.port), timeout=timeout) as conn:
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
    except OSError as err:
        raise PrinterUnreachable(name=printer.name, address=address, reason=err.strerror or str(err)) from None
    return len(data)


DEFAULT_STOCK = {"badge": "cr80", "spine": "a4-spine-5x1"}  # else the printer's stock, else a4-3x8


def job_settings(kind: str, *, layout: str | None, fmt: str | None, output=None, send: bool = False,
                 printer: Printer | None = None) -> tuple[str, object]:
    """The format and the label stock of a job, from what was asked, the output file's suffix and the printer.

    Raises LabelError for an unknown stock."""
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = suffix if suffix in FORMATS else ("zpl" if send or (printer and printer.kind == "zpl") else "pdf")
    stock_name = layout or DEFAULT_STOCK.get(kind) or (printer.stock if printer else "a4-3x8")
    return fmt, resolve_stock(stock_name)


def label_base_url(default: str = "") -> str:
    """The address a label's QR code opens (the site settings' base URL, else `default`)."""
    site = Site.select(Site.base_url).order_by(Site.id).first()
    return (site.base_url if site else "") or default

