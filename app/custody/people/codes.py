"""The people area's stored code sets, each declared once with its translatable names."""
from app.custody import codes as core
from app.custody.vocab import N_, Codes

# what a person must have before their badge is activated (national rules 3.3, 3.8; Hunan art. 11)
VETTING_ITEMS = Codes(
    "vetting_item",
    identity=N_("Identity checked"),
    no_criminal_record=N_("No-criminal-record certificate"),
    labour_contract=N_("Labour contract"),
    confidentiality=N_("Confidentiality agreement signed"),
    training=N_("Security training"),
)
# the labour contract is asked of the service organisation's staff only
SERVICE_ONLY_ITEMS = ("labour_contract",)

# why an item keeps a badge from activation
GAP_REASONS = Codes(
    "vetting_gap",
    missing=N_("not recorded"), expired=N_("expired"), too_few_hours=N_("too few training hours"),
)

BADGE_ACTIONS = Codes(
    "badge_action",
    activate=N_("Activate"), suspend=N_("Suspend"), reinstate=N_("Reinstate"), revoke=N_("Revoke"),
    lost=N_("Report lost"),
)

CHANGE_KINDS = Codes(
    "personnel_change_kind",
    joined=N_("Joined"),
    vetting=N_("Vetting item recorded"),
    badge_activated=N_("Badge activated"),
    badge_suspended=N_("Badge suspended"),
    badge_reinstated=N_("Badge reinstated"),
    badge_revoked=N_("Badge revoked"),
    badge_lost=N_("Badge lost, new badge issued"),
    badge_expired=N_("Badge expired, suspended"),
    validity=N_("Badge validity changed"),
    position=N_("Position changed"),
    organisation=N_("Organisation changed"),
    left=N_("Left"),
)
# the change kinds that set the badge status (the acceptance check matches them against the person)
# (a lost badge keeps its status under the new code: not listed)
STATUS_CHANGES = {"badge_activated": "active", "badge_suspended": "suspended", "badge_reinstated": "active",
                  "badge_revoked": "revoked", "badge_expired": "suspended", "left": "revoked"}

ALERT_KINDS = Codes(
    "people_alert_kind", extends=core.ALERT_KINDS,
    vetting_expiring=N_("Vetting item expiring"),
    badge_expiring=N_("Badge expiring"),
    badge_expired=N_("Badge expired and suspended"),
)

# three-role separation: what a second privileged person approves
ROLE_REQUEST_KINDS = Codes(
    "role_request_kind",
    grant=N_("Grant a privileged role"), remove=N_("Remove a privileged role"),
    reenrol=N_("Reset a privileged account's password"),
)
ROLE_REQUEST_STATUSES = Codes(
    "role_request_status", pending=N_("Waiting for approval"), approved=N_("Approved"), refused=N_("Refused"),
)
APPROVER_ROLES = Codes(
    "role_approver", security_officer=N_("Security officer"), auditor=N_("Auditor"),
    administrator=N_("Administrator"),
)

# what this area writes to the admin log
AUDIT_ACTIONS = Codes("people_audit_action", extends=core.AUDIT_ACTIONS, **{
    "people.settings": N_("Vetting settings changed"), "role.propose": N_("Privileged role change proposed"),
    "role.approve": N_("Privileged role change approved"), "role.refuse": N_("Privileged role change refused"),
    "user.enrol": N_("Password set with an enrolment code"), "enrol.failed": N_("Enrolment failed"),
    "visitor.register": N_("Visitor registered"), "visitor.end": N_("Visit ended"),
})

# visitors at the door: why a visitor's pass was refused (extends the door's reasons), and what a read was
from app.custody.readers import codes as readers_codes  # noqa: E402

VISITOR_ACCESS_REASONS = Codes(
    "visitor_access_reason", extends=readers_codes.ACCESS_REASONS,
    visitor_no_escort=N_("visitor without their escort"), visitor_ended=N_("visit ended"),
    visitor_not_expected=N_("visitor not expected today"),
)
VISITOR_RESOLVED = Codes("visitor_resolved_kind", extends=readers_codes.RESOLVED_KINDS, visitor=N_("Visitor pass"))
