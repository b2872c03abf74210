"""Label printing from a selection, badge cards, and the printers (with calibration) in the site settings."""
import math

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.custody import printing
from app.custody.codes import LOCATION_KINDS
from app.custody.errors import CustodyError
from app.custody.models import PRINTER_KINDS, Printer, Site
from app.i18n import code_names, translate_error
from app.security import require
from app.web.helpers import client_ip
from labels.sheets import SHEETS

from . import bp

CUSTOM_FIELDS = ("page_w", "page_h", "cols", "rows", "label_w", "label_h", "left", "top", "pitch_x", "pitch_y")


def base_url() -> str:
    """The address label QR codes point at: the site's, else CUSTODY_BASE_URL, else the local default."""
    site = Site.select(Site.base_url).first()
    return (site.base_url if site and site.base_url else "") or current_app.config.get("BASE_URL", "") \
        or printing.DEFAULT_BASE_URL


def captions() -> dict:
    return {"badge": _("No. "), "valid": _("Valid "), "until": _(" to "), "type": "", "capacity": "",
            "serial": _("S/N "), "location_kinds": code_names(LOCATION_KINDS)}


def _stock_names() -> dict:
    return {"a4-3x8": _("A4, 3 × 8 labels of 70 × 37 mm"), "a4-2x7": _("A4, 2 × 7 labels of 99.1 × 38.1 mm"),
            "a4-spine-5x1": _("A4, 5 spine labels of 38 × 190 mm"), "roll-50x30": _("Roll, 50 × 30 mm"),
            "roll-60x40": _("Roll, 60 × 40 mm"), "cr80": _("Card, CR80 85.6 × 54 mm"),
            "custom": _("Custom sheet…")}


def _kind_names() -> dict:
    return {"volume": _("Volume label"), "media": _("Media label"), "spine": _("Spine label"),
            "location": _("Location label (shelf, room, workstation)")}


def _form_values() -> dict:
    src = request.form if request.method == "POST" else request.args
    values = {k: (src.get(k) or "").strip() for k in ("kind", "codes", "location", "q", "batch", "layout",
                                                       "start", "format", "printer", *CUSTOM_FIELDS)}
    values["kind"] = values["kind"] or "volume"
    values["layout"] = values["layout"] or "a4-3x8"
    values["start"] = values["start"] or "1"
    values["format"] = values["format"] or "pdf"
    return values


def _custom(values) -> dict:
    """The custom sheet's sizes; raises ValueError for anything but finite millimetres up to 2 m and up to
    100 rows or columns (inf, nan, 1e308 would reach the layout's arithmetic)."""
    out = {}
    for key in CUSTOM_FIELDS:
        if values.get(key):
            if key in ("cols", "rows"):
                out[key] = int(values[key])
                if not 1 <= out[key] <= 100:
                    raise ValueError(key)
            else:
                out[key] = float(values[key])
                if not math.isfinite(out[key]) or not 0 <= out[key] <= 2000:
                    raise ValueError(key)
    return out


def _printer(values) -> Printer | None:
    if not values.get("printer"):
        return None
    printer = Printer.get_or_none(Printer.id == int(values["printer"])) if values["printer"].isdigit() else None
    if printer is None:
        raise printing.PrinterNotFound(name=values["printer"])
    return printer


def _page(values, status=200, error=None):
    printers = list(Printer.select().where(Printer.is_active).order_by(Printer.name))
    return render_template("labels/index.html", v=values, printers=printers, stocks=_stock_names(),
                           kinds=_kind_names(), error=error, custom_fields=CUSTOM_FIELDS), status


@bp.route("/")
@require("labels.print")
def index():
    return _page(_form_values())


def _chosen(values):
    """The items (or locations, for location labels) the form's values choose; raises LabelError."""
    if values["kind"] == "location":
        return printing.select_locations(codes=values["codes"], under=values["location"])
    return printing.select_items(codes=values["codes"], location=values["location"], query=values["q"],
                                 batch=values["batch"])


def _stock_and_start(values) -> tuple:
    try:
        start = int(values["start"])
        stock = printing.resolve_stock(values["layout"], _custom(values) if values["layout"] == "custom" else None)
    except ValueError:
        raise printing.LabelError(_("The start position and sheet sizes must be numbers.")) from None
    return stock, 1 if stock.per_page == 1 else start  # rolls and cards have no half-used sheet


def _preview_page(values, labels_, stock, start):
    page_count = printing.preview_sheet_png(labels_, stock, start=start)[1]
    query = {k: v for k, v in values.items() if v}
    return render_template("labels/preview.html", v=values, count=len(labels_), pages=page_count, query=query,
                           stock_name=_stock_names().get(values["layout"], values["layout"]),
                           kind_name=_kind_names().get(values["kind"], values["kind"]),
                           printers=list(Printer.select().where(Printer.is_active).order_by(Printer.name)))


@bp.route("/sheet.png")
@require("labels.print")
def sheet_png():
    """One page of the job as it will print, every label in its slot (the preview page shows it)."""
    values = _form_values()
    try:
        stock, start = _stock_and_start(values)
        labels_ = printing.build_labels(values["kind"], _chosen(values), stock, base_url(), captions())
        data, _pages = printing.preview_sheet_png(labels_, stock, start=start,
                                                  page=request.args.get("page", 1, type=int) or 1)
    except CustodyError as err:
        return Response(translate_error(err), status=err.status, mimetype="text/plain; charset=utf-8")
    return Response(data, mimetype="image/png", headers={"Cache-Control": "private, no-store"})


@bp.route("/print", methods=["POST"])
@require("labels.print")
def print_labels():
    values = _form_values()
    action = request.form.get("action", "download")
    try:
        printer = _printer(values)
        stock, start = _stock_and_start(values)
        try:
            dpi = int(request.form.get("dpi") or 203)
        except ValueError:
            raise printing.LabelError(_("The start position and sheet sizes must be numbers.")) from None
        fmt = values["format"]
        if action == "send":
            if printer is None:
                raise printing.LabelError(_("Choose a printer to send the labels to."))
            # what is loaded in the printer decides: its stock, and its language (ZPL, or PDF direct print)
            stock, fmt = SHEETS[printer.stock], printer.kind
            start = 1 if stock.per_page == 1 else start
        labels_ = printing.build_labels(values["kind"], _chosen(values), stock, base_url(), captions())
        if action == "preview":
            return _preview_page(values, labels_, stock, start)
        job = printing.render_job(labels_, stock, fmt, start=start, printer=printer,
                                  dpi=dpi, name=f"labels-{values['kind']}")
        if action == "send":
            printing.send_raw(printer, job.data)
            flash(_("%(n)s labels sent to %(printer)s.", n=job.count, printer=printer.name), "success")
            return redirect(url_for("labels.index"))
    except CustodyError as err:
        return _page(values, err.status, translate_error(err))
    return Response(job.data, mimetype=job.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{job.filename}"'})


@bp.route("/preview.png")
@require("labels.print")
def preview():
    values = _form_values()
    try:
        stock = printing.resolve_stock(values["layout"])
        items = printing.select_items(codes=values["codes"])[:1]
        label = printing.build_labels(values["kind"], items, stock, base_url(), captions())[0]
    except CustodyError as err:
        return Response(translate_error(err), status=err.status, mimetype="text/plain")
    return Response(printing.preview_png(label), mimetype="image/png")


@bp.route("/badges", methods=["GET", "POST"])
@require("badges.print")
def badges():
    badges_text = (request.values.get("badges") or "").strip()
    batch = (request.values.get("batch") or "").strip()
    if request.method == "GET":
        return render_template("labels/badges.html", badges=badges_text, batch=batch, error=None)
    try:
        people = printing.select_people(badges_text, active_only=request.form.get("all_active") == "1",
                                        batch=batch)
        cards = printing.build_badges(people, captions(), void=request.form.get("void") == "1")
        if request.form.get("action") == "preview":
            query = {k: v for k, v in (("badges", badges_text), ("batch", batch),
                                       ("all_active", request.form.get("all_active", "")),
                                       ("void", request.form.get("void", ""))) if v}
            pages = printing.preview_sheet_png(cards, SHEETS["cr80"])[1]
            return render_template("labels/preview.html", v={"printer": ""}, count=len(cards), pages=pages,
                                   query=query, stock_name=_stock_names()["cr80"], kind_name=_("badge cards"),
                                   printers=[], image_endpoint="labels.badges_png", post_endpoint="labels.badges",
                                   back_endpoint="labels.badges")
        job = printing.render_job(cards, SHEETS["cr80"], "pdf", name="badges")
    except CustodyError as err:
        return render_template("labels/badges.html", badges=badges_text, batch=batch,
                               error=translate_error(err)), err.status
    return Response(job.data, mimetype=job.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{job.filename}"'})


@bp.route("/badges.png")
@require("badges.print")
def badges_png():
    """A page of the badge cards as they will print (the badge preview page shows it)."""
    try:
        people = printing.select_people(request.args.get("badges", ""),
                                        active_only=request.args.get("all_active") == "1",
                                        batch=request.args.get("batch", ""))
        cards = printing.build_badges(people, captions(), void=request.args.get("void") == "1")
        data, _pages = printing.preview_sheet_png(cards, SHEETS["cr80"],
                                                  page=request.args.get("page", 1, type=int) or 1)
    except CustodyError as err:
        return Response(translate_error(err), status=err.status, mimetype="text/plain; charset=utf-8")
    return Response(data, mimetype="image/png", headers={"Cache-Control": "private, no-store"})


# printers (site settings) ---------------------------------------------------------------------------------

def _printer_fields() -> dict:
    f = request.form
    try:
        fields = {"name": f.get("name", ""), "kind": f.get("kind", ""), "dpi": int(f.get("dpi") or 203),
                  "stock": f.get("stock", ""), "host": f.get("host", ""), "port": int(f.get("port") or 9100),
                  "offset_x_mm": float(f.get("offset_x_mm") or 0), "offset_y_mm": float(f.get("offset_y_mm") or 0),
                  "is_active": f.get("is_active", "1") == "1"}
        if not all(math.isfinite(fields[k]) and abs(fields[k]) <= 1000 for k in ("offset_x_mm", "offset_y_mm")) \
                or not 0 < fields["port"] < 65536 or not 0 < fields["dpi"] <= 1200:
            raise ValueError("out of range")
        return fields
    except ValueError:
        raise printing.LabelError(_("Resolution, port and offsets must be numbers.")) from None


def _printers_page(editing=None, status=200, error=None, form=None):
    rows = list(Printer.select().order_by(Printer.name))
    return render_template("labels/printers.html", rows=rows, editing=editing, error=error, form=form or {},
                           stocks={k: v for k, v in _stock_names().items() if k != "custom"},
                           kinds=PRINTER_KINDS), status


@bp.route("/printers", methods=["GET", "POST"])
@require("admin.settings")
def printers():
    if request.method == "GET":
        return _printers_page()
    try:
        printer = printing.save_printer(_printer_fields(), by=current_user, ip=client_ip())
    except CustodyError as err:
        return _printers_page(status=err.status, error=translate_error(err), form=request.form)
    flash(_("Printer %(name)s saved.", name=printer.name), "success")
    return redirect(url_for("labels.printers"))


@bp.route("/printers/<int:printer_id>", methods=["GET", "POST"])
@require("admin.settings")
def edit_printer(printer_id):
    printer = Printer.get_or_none(Printer.id == printer_id)
    if printer is None:
        return _printers_page(status=404, error=_("Unknown printer: %(name)s", name=printer_id))
    if request.method == "GET":
        return _printers_page(editing=printer, form=printer.__data__)
    try:
        printing.save_printer(_printer_fields(), by=current_user, printer=printer, ip=client_ip())
    except CustodyError as err:
        return _printers_page(editing=printer, status=err.status, error=translate_error(err), form=request.form)
    flash(_("Printer %(name)s saved.", name=printer.name), "success")
    return redirect(url_for("labels.printers"))


@bp.route("/printers/<int:printer_id>/delete", methods=["POST"])
@require("admin.settings")
def delete_printer(printer_id):
    printer = Printer.get_or_none(Printer.id == printer_id)
    if printer is not None:
        printing.delete_printer(printer, by=current_user, ip=client_ip())
        flash(_("Printer %(name)s removed.", name=printer.name), "success")
    return redirect(url_for("labels.printers"))


@bp.route("/printers/<int:printer_id>/test", methods=["POST"])
@require("admin.settings")
def test_printer(printer_id):
    """Send a calibration label (a frame 1 mm inside the edges and a sample code) to the printer."""
    from labels.layouts import Box, Label, Text
    from labels.layouts.base import barcode_fitting

    printer = Printer.get_or_none(Printer.id == printer_id)
    if printer is None:
        return _printers_page(status=404, error=_("Unknown printer: %(name)s", name=printer_id))
    stock = SHEETS[printer.stock]
    w, h = stock.label_w, stock.label_h
    label = Label(w, h, [Box(1, 1, w - 2, h - 2), Text(3, 3, 3, printer.name),
                         barcode_fitting("TEST-0001", 2, h / 2 - 4, w - 4, 8)])
    label.items = [i for i in label.items if i is not None]
    try:
        job = printing.render_job([label], stock, printer.kind, printer=printer, name="calibration")
        if printer.kind == "pdf":
            return Response(job.data, mimetype=job.mimetype,
                            headers={"Content-Disposition": f'attachment; filename="{job.filename}"'})
        printing.send_raw(printer, job.data)
    except CustodyError as err:
        return _printers_page(status=err.status, error=translate_error(err))
    flash(_("Calibration label sent to %(name)s.", name=printer.name), "success")
    return redirect(url_for("labels.printers"))
