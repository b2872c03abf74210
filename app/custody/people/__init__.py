"""People (DESIGN: people/): vetting before work, the badge's whole life, the personnel change
register, and the approvals that keep the three privileged roles apart (三员分离).

Public surface: the service functions in `services` (record_vetting, activate, suspend, reinstate,
revoke, report_lost, badge_action, leave, change_post, set_validity, update_settings, check_expiry)
and `roles` (propose, approve, refuse, enrol), the code sets in `codes`, the models in `models`.
"""


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


def _register() -> None:
    from . import services

    services.register_jobs()


_register()
