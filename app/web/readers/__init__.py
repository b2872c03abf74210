from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("readers", __name__)


@bp.record_once
def _setup(state):
    from app.security import add_nav

    add_nav(state.app, "readers.door_log", _l("Door log"), "doors.view", 70)
    add_nav(state.app, "readers.readers", _l("Readers"), "admin.readers", 80)
    # `custody scheduler` runs the reader checks (offline readers, shelf removals) every 30 s
    state.app.extensions.setdefault("custody_jobs", []).append(lambda: reader_checks_job(state.app.config))


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
