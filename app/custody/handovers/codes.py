"""The handover area's stored codes and their translatable names, declared once."""
from .. import codes as core
from ..codes import ORG_KINDS  # noqa: F401 (Person.org_kind, declared once by the core)
from ..vocab import N_, Codes

DIRECTIONS = Codes("handover_direction",
                   to_service=N_("Archive department → service organisation"),
                   to_archive=N_("Service organisation → archive department"))
HANDOVER_STATUSES = Codes("handover_status", draft=N_("Being checked"), confirmed=N_("Confirmed"))
SIDES = Codes("handover_side", **{"from": N_("Handing side"), "to": N_("Receiving side")})
CONDITIONS = Codes("volume_condition", intact=N_("Intact"), damaged=N_("Damaged"),
                   pages_missing=N_("Pages missing"), mismatch=N_("Not matching the catalogue"))
RESOLUTIONS = Codes("difference_resolution", accepted=N_("Noted and accepted"))
DIFFERENCES = Codes("handover_difference", missing=N_("Not found by the receiver"),
                    extra=N_("Not on the handing side's list"), pages=N_("Page counts differ"),
                    condition=N_("Conditions differ"), changed_pages=N_("Pages differ from the outgoing list"),
                    changed_condition=N_("Condition differs from the outgoing list"))
BATCH_STATUSES = Codes("batch_status", open=N_("Open"), closed=N_("Closed"))
BATCH_STAGES = Codes("batch_stage", in_storage=N_("In storage"), out=N_("Out of storage"),
                     handed_over=N_("Handed over"), back=N_("Back"))
QUARANTINE_STATUSES = Codes("quarantine_status", open=N_("Quarantined"), handed_back=N_("Handed back"),
                            released=N_("Released"))
DAMAGE_STATUSES = Codes("damage_status", open=N_("Open"), repaired=N_("Repaired"),
                        accepted=N_("Accepted as is"))
DAMAGE_SOURCES = Codes("damage_source", scan=N_("Scan"), handover=N_("Handover check"), item=N_("Item page"),
                       api=N_("API"))

# what this area writes to the admin log
AUDIT_ACTIONS = Codes("handover_audit_action", extends=core.AUDIT_ACTIONS, **{"batch.create": N_("Batch opened")})

# the organisation of each side, by direction
SIDE_ORG = {("to_service", "from"): "archive", ("to_service", "to"): "service",
            ("to_archive", "from"): "service", ("to_archive", "to"): "archive"}
