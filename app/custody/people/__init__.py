"""People (DESIGN: people/): vetting before work, the badge's whole life, the personnel change
register, and the approvals that keep the three privileged roles apart (三员分离).

Public surface (re-exported here: `from app.custody import people`, then `people.activate(...)`):

    vetting    record_vetting, vetting_records, gaps, waiting_for_vetting, roster — before a badge works (4.7)
    badges     activate, suspend, reinstate, revoke, report_lost, badge_action, set_validity, next_badge_code
    staff      mark_joined, change_post, leave                            — joining, posts, leaving
    changes    record_change, change_query, person_of, site_today, holdings, open_alerts_for
    policy     settings, update_settings                                  — the area's settings
    expiry     check_expiry, expiry_job                                   — the hourly scheduler job
    visitors   register_visitor, end_visit, visitor_pass_decision         — escorted visitors' passes
    roles      propose, approve, refuse, enrol                            — privileged roles, approved
The code sets are in `codes`, the models in `models`.
"""
from .badges import (
    activate,
    badge_action,
    next_badge_code,
    reinstate,
    report_lost,
    revoke,
    set_validity,
    suspend,
)
from .changes import change_query, holdings, open_alerts_for, person_of, record_change, site_today
from .expiry import check_expiry, expiry_job, register_jobs
from .policy import settings, update_settings
from .staff import change_post, leave, mark_joined
from .vetting import gaps, record_vetting, roster, vetting_records, waiting_for_vetting
from .visitors import end_visit, register_visitor, visitor_pass_decision


def acceptance_open(limit: int = 20) -> tuple[int, list[tuple[str, str]]]:
    """For the special security acceptance: people whose badge status or leaving has no matching row in
    the personnel change register; the count and up to `limit` of them as (badge code, "name · status")."""
    from ..models import Person
    from .codes import STATUS_CHANGES
    from .models import PersonnelChange

    last: dict[int, str] = {}
    left: set[int] = set()
    rows = (PersonnelChange.select(PersonnelChange.person, PersonnelChange.kind)
            .where(PersonnelChange.kind.in_(list(STATUS_CHANGES))).order_by(PersonnelChange.id).tuples())
    for person_id, kind in rows:
        last[person_id] = STATUS_CHANGES[kind]
        if kind == "left":
            left.add(person_id)
    missing = []
    for person in Person.select().order_by(Person.badge_code):
        unrecorded = (person.left_on is not None and person.id not in left) or (
            person.badge_status != "pending" and last.get(person.id) != person.badge_status)
        if unrecorded:
            missing.append((person.badge_code, f"{person.name} · {person.badge_status}"))
    return len(missing), missing[:limit]


__all__ = ["acceptance_open", "activate", "badge_action", "change_post", "change_query", "check_expiry", "end_visit",
           "expiry_job", "gaps", "holdings", "leave", "mark_joined", "next_badge_code", "open_alerts_for",
           "person_of", "record_change", "record_vetting", "register_jobs", "register_visitor", "reinstate",
           "report_lost", "revoke", "roster", "set_validity", "settings", "site_today", "suspend", "update_settings",
           "vetting_records", "visitor_pass_decision", "waiting_for_vetting"]

register_jobs()
