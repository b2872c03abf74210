"""Scan normalisation, code generation, and the custody core's stored code sets with their names."""
import re

from .vocab import N_, Codes

_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_URL_CODE = re.compile(r"/i/([^/?#\s]+)/?(?:[?#].*)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalize_scan(raw: str) -> str:
    """Turn any scan form into a code: "]C0v00012345 " → "V00012345", ".../i/v00012345" → "V00012345"."""
    text = _CONTROL.sub("", raw or "").strip()
    if _AIM.match(text):
        text = text[3:].strip()
    match = _URL_CODE.search(text)
    if match:
        text = match.group(1)
    return text.strip().upper()


def format_code(prefix: str, number: int) -> str:
    """The canonical form of a generated code: prefix + 8 digits."""
    return f"{prefix}{number:08d}"


# ---------------------------------------------------------------- the custody core's stored code sets
# (each declared once; pages, filters, the API and the OpenAPI enums read these)

ITEM_KINDS = Codes("item_kind", volume=N_("Volume"), media=N_("Medium"), device=N_("Device"))
ITEM_STATES = Codes("item_state", in_storage=N_("In storage"), out=N_("Out of storage"),
                    quarantined=N_("Quarantined"), retired=N_("Retired"))
# custody events (Event.kind); areas add theirs with Codes(..., extends=EVENT_KINDS)
EVENT_KINDS = Codes(
    "event_kind", extensible=True,
    check_out=N_("Checked out"), **{"return": N_("Returned to storage")}, move=N_("Moved"),
    hand_over=N_("Handed over"), quarantine=N_("Quarantined"), release=N_("Released from quarantine"),
    damage=N_("Damage recorded"), undo=N_("Undone"),
)
LOCATION_KINDS = Codes(
    "location_kind",
    site=N_("Site"), storage=N_("Storage room"), shelf=N_("Shelf"), slot=N_("Slot"), workroom=N_("Workroom"),
    workstation=N_("Workstation"), door=N_("Door"), office=N_("Office"),
)
# the location kinds that count as "returned to storage"
STORAGE_KINDS = frozenset({"storage", "shelf", "slot"})
# how a change reached the system (Event.via)
VIA = Codes("via", web=N_("web page"), api=N_("API"), scan=N_("handheld scan"), reader=N_("reader"),
            cli=N_("command line"), system=N_("system"))

# people and accounts
ROLES = Codes(
    "role",
    operator=N_("Operator"), archivist=N_("Archivist"), supervisor=N_("Supervisor"),
    security_officer=N_("Security officer"), auditor=N_("Auditor"), administrator=N_("Administrator"),
)
# 三员分离: no account holds two of these
PRIVILEGED_ROLES = frozenset({"administrator", "security_officer", "auditor"})
BADGE_STATUSES = Codes("badge_status", pending=N_("Pending vetting"), active=N_("Active"),
                       suspended=N_("Suspended"), revoked=N_("Revoked"))
ORG_KINDS = Codes("org_kind", archive=N_("Archive department"), service=N_("Service organisation"))

# alerts: the kinds the core, nights and readers open (other areas extend the set), severity, status
ALERT_KINDS = Codes(
    "alert_kind", extensible=True,
    overnight=N_("Not returned overnight"),  # nights: the nightly return rule
    quarantine=N_("Quarantine"), damage=N_("Damage"),  # custody core
    medium_overdue=N_("Medium overdue"),  # nights: media loans past due
    access_denied=N_("Door pass denied"), volume_at_exit=N_("Volume at the exit"),  # readers
    removed_without_checkout=N_("Removed without check-out"), reader_offline=N_("Reader offline"),
)
ALERT_SEVERITIES = Codes("alert_severity", info=N_("Info"), warning=N_("Warning"), critical=N_("Critical"))
ALERT_STATUSES = Codes("alert_status", open=N_("Open"), acknowledged=N_("Acknowledged"), resolved=N_("Resolved"))
# what the system writes as the resolution when it resolves an alert itself
AUTO_RESOLUTIONS = Codes("alert_resolution", **{
    "returned to storage": N_("Returned to storage"), "released": N_("Released from quarantine"),
    "medium returned": N_("Medium returned"), "reader is speaking again": N_("Reader is speaking again"),
})

# the admin log (AuditLog.action): the core's administrative actions (areas extend the set)
AUDIT_ACTIONS = Codes(
    "audit_action", extensible=True,
    **{
        "login": N_("Signed in"), "login.failed": N_("Sign-in failed"),
        "user.create": N_("Account created"), "user.roles": N_("Roles changed"),
        "user.enable": N_("Account enabled"), "user.disable": N_("Account disabled"),
        "user.password": N_("Password changed"), "user.locked": N_("Account locked"),
        "user.end_sessions": N_("Sessions ended"),
        "token.create": N_("API token created"), "token.revoke": N_("API token revoked"),
        "site.create": N_("Site created"), "site.settings": N_("Site settings changed"),
        "site.night_rule": N_("Night rule changed"),
        "location.create": N_("Location created"), "location.rename": N_("Location renamed"),
        "location.move": N_("Location moved"), "location.deactivate": N_("Location deactivated"),
        "location.reactivate": N_("Location reactivated"),
        "printer.create": N_("Printer added"), "printer.update": N_("Printer changed"),
        "printer.delete": N_("Printer removed"),
        "reader.create": N_("Reader registered"), "reader.rotate_token": N_("Reader token replaced"),
        "reader.revoke_token": N_("Reader token revoked"),
        "alert.acknowledge": N_("Alert acknowledged"), "alert.resolve": N_("Alert resolved"),
        "items.import": N_("Catalogue imported"), "people.import": N_("Staff list imported"),
        "item.catalogue": N_("Catalogue entry changed"),
    },
)

# label printers (Printer.kind)
PRINTER_KINDS = Codes("printer_kind", zpl=N_("ZPL (thermal label printer)"), pdf=N_("PDF (sheet printer)"))
