from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("readers", __name__)

# why a door pass was refused (AccessEvent.reason), as the door log and the person page show it
ACCESS_REASON_NAMES = {
    "unknown_badge": _l("unknown badge"), "not_vetted": _l("not vetted"), "suspended": _l("suspended"),
    "revoked": _l("revoked"), "expired": _l("expired"), "not_yet_valid": _l("not yet valid"),
    "after_hours": _l("outside working hours"),
}


@bp.record_once
def _setup(state):
    from app.security import add_nav
    from app.web import names

    add_nav(state.app, "readers.door_log", _l("Door log"), "doors.view", 70)
    add_nav(state.app, "readers.readers", _l("Readers"), "admin.readers", 80)
    # the alert board names alerts by kind: add the kinds the reader rules open
    state.app.jinja_env.globals["ACCESS_REASON_NAMES"] = ACCESS_REASON_NAMES
    # `custody scheduler` runs the reader checks (offline readers, shelf removals) every 30 s
    state.app.extensions.setdefault("custody_jobs", []).append(lambda: reader_checks_job(state.app.config))
    names.ALERT_KIND_NAMES.update({
        "access_denied": _l("Door pass denied"), "volume_at_exit": _l("Volume at the exit"),
        "removed_without_checkout": _l("Removed without check-out"), "reader_offline": _l("Reader offline"),
    })


def reader_checks_job(config):
    """The scheduler job: app.custody.doors.run_checks with the configured limits."""
    from app.custody import doors
    from app.custody.scheduler import Job

    offline = int(config.get("READER_OFFLINE_SECONDS", doors.DEFAULT_OFFLINE_SECONDS))
    grace = int(config.get("READER_DEPARTURE_GRACE_MINUTES", doors.DEFAULT_DEPARTURE_GRACE_MINUTES))

    def run(now):
        found = doors.run_checks(now, offline_seconds=offline, grace_minutes=grace)
        if not found["offline"] and not found["removed"]:
            return None
        return (f"{len(found['offline'])} reader(s) newly offline, "
                f"{len(found['removed'])} removal(s) without check-out")

    return Job("reader-checks", 30, run)


from . import views  # noqa: E402,F401
