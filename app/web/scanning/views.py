"""The handheld scan page, its web app manifest and its service worker."""
from flask import current_app, render_template, send_from_directory, url_for
from flask_babel import gettext as _

from app.security import public, require

from . import bp


def scan_strings() -> dict:
    """Every sentence the scan page's script shows, in the user's language."""
    return {
        "waiting": _("%(n)s waiting"), "offline": _("Offline: scans are kept on this device and sent later."),
        "online": _("Connected"), "sending": _("Sending…"),
        "queued": _("Saved on this device: it will be sent when the server is reachable."),
        "no_location": _("No location"), "no_person": _("No person"),
        "undo_nothing": _("Nothing to undo."), "undo_queued": _("Undo saved: it will be sent in order."),
        "camera_starting": _("Starting the camera…"), "camera_unavailable": _("The camera is not available here."),
        "camera_stop": _("Stop camera"), "camera_start": _("Camera"),
        "server_error": _("The server could not record this scan. It will be tried again."),
        "login_again": _("Your session has ended: log in again, then the waiting scans are sent."),
        "cleared": _("Context cleared."),
        "nothing_typed": _("Scan or type a code."),
        "recorded": _("Recorded ✓"), "not_recorded": _("Not recorded ✗"),
        "context_set": _("Set · nothing recorded"), "no_change": _("Nothing changed"),
        "not_yet": _("Not yet recorded"), "lookup_head": _("Look-up · nothing is recorded"),
        "lookup_mode": _("Look-up mode: scans show where an item is and change nothing."),
        "summary": _("%(n)s sent: %(ok)s recorded, %(bad)s refused"),
        "refused_list": _("Not recorded: %(codes)s (see the list below)"),
        "handover_set": _("Handover list %(number)s: now scan its volumes."),
        "handover_first": _("Scan the handover list's QR code first."),
        "handover_recorded": _("On the list: %(pages)s pages, %(condition)s."),
        "damage_prompt": _("What is damaged (and which pages)?"),
        "damage_done": _("Damage registered."),
        "secrecy_done": _("Quarantined: the supervisor and the security officer are alerted."),
        "step_device_set": _("Device %(code)s: now scan the volume."),
        "step_device_first": _("This step needs a device: scan the device's label first."),
        "step_count_prompt": _("How many (%(unit)s)?"),
        "step_check_pass": _("Quality check: OK for pass, Cancel for fail."),
        "step_fail_reason": _("Why did the check fail?"),
        "pages": _("Pages"), "images": _("Images"),
    }


@bp.route("/scan")
@require("custody.move")
def scan():
    """The scan page: action choice, context bar, scan input, banner, session list, offline queue."""
    from app.security import can

    steps, tasks = [], []
    if can("steps.record"):  # the flow sheet's step mode (app/custody/flow)
        from app.custody.flow import assignments
        from app.custody.flow import services as flow
        from app.web.helpers import actor_person

        steps, tasks = flow.definitions(active_only=True), assignments.assigned_to(actor_person(), limit=20)
    return render_template("scanning/scan.html", strings=scan_strings(), steps=steps, tasks=tasks)


@bp.route("/scan/manifest.webmanifest")
@public
def manifest():
    """The web app manifest: the scan page installs on a handheld's home screen."""
    icons = [{"src": url_for("static", filename=f"scan/icons/icon-{n}.png"), "sizes": f"{n}x{n}",
              "type": "image/png", "purpose": "any maskable"} for n in (192, 512)]
    body = {"name": _("Custody scan"), "short_name": _("Scan"), "start_url": url_for("scanning.scan"),
            "scope": url_for("scanning.scan"), "display": "standalone", "orientation": "portrait",
            "background_color": "#f4f5f7", "theme_color": "#13294b", "icons": icons}
    response = current_app.response_class(current_app.json.dumps(body), mimetype="application/manifest+json")
    return response


@bp.route("/scan-sw.js")
@public
def service_worker():
    """The service worker, served from the root so its scope can cover /scan."""
    response = send_from_directory(current_app.static_folder, "scan/sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Service-Worker-Allowed"] = "/scan"
    response.headers["Cache-Control"] = "no-cache"
    return response
