"""Who may do what: every permission lists the roles that have it; anything not listed is denied.

三员分离: the administrator runs accounts, readers, locations and settings but reads no logs;
the security officer vets staff and keeps the media register; the auditor reads everything
(logs included) and changes nothing.
"""
STAFF = ("operator", "archivist", "supervisor")

PERMISSIONS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    # reading the live picture and the custody history
    "items.view": STAFF + ("security_officer", "auditor"),
    "people.view": ("archivist", "supervisor", "security_officer", "auditor"),
    "locations.view": STAFF + ("security_officer", "auditor", "administrator"),
    "alerts.view": ("supervisor", "archivist", "security_officer", "auditor"),
    # changing custody
    "custody.move": STAFF,
    "custody.quarantine": ("archivist", "supervisor", "security_officer"),
    "custody.release": ("archivist", "security_officer"),
    "custody.damage": STAFF,
    "alerts.manage": ("supervisor",),
    # registers
    "items.import": ("archivist",),
    "people.import": ("security_officer",),
    "people.vet": ("security_officer",),
    # the personnel change register (7.1) and the people area's settings (required vetting items ...)
    "people.changes": ("security_officer", "supervisor", "auditor"),
    "people.settings": ("security_officer",),
    "visitors.register": ("security_officer",),
    # 三员分离: the privileged roles see the requests; app.custody.people.rules.can_approve decides each
    "roles.approve": ("administrator", "security_officer", "auditor"),
    # labels and badges (printers themselves are site settings: admin.settings)
    "labels.print": ("archivist", "supervisor", "security_officer"),
    "badges.print": ("security_officer",),
    # administration
    "admin.users": ("administrator",),
    "admin.locations": ("administrator",),
    "admin.settings": ("administrator",),
    "admin.readers": ("administrator",),
    # a registered reader (or a new token) changes custody only once the security officer approves it
    "readers.approve": ("security_officer",),
    # the logs
    "audit.read": ("auditor",),
    "export.read": ("auditor",),
    # handovers (交接单): batches, both sides' scans and confirmations, the quarantine and damage registers
    "batches.manage": ("archivist",),
    "handovers.view": STAFF + ("security_officer", "auditor"),
    "handovers.work": STAFF,
    "quarantine.raise": STAFF + ("security_officer",),
    "quarantine.release": ("security_officer",),
    "quarantine.view": ("archivist", "supervisor", "security_officer", "auditor"),
    "damage.record": STAFF,
    "damage.manage": ("archivist", "supervisor"),
    "damage.view": STAFF + ("security_officer", "auditor"),
    # door passes, raw reader reads, unknown tags
    "doors.view": ("security_officer", "supervisor", "auditor"),
    # the media register (app/custody/media): the security officer registers and ends, the keeper
    # (an archivist or the security officer) lends, takes back and counts; supervisors request unsealings
    "media.view": ("archivist", "supervisor", "security_officer", "auditor"),
    "media.register": ("security_officer",),
    "media.lend": ("archivist", "security_officer"),
    # the borrower signs a return with their own login (never the auditor, who changes nothing)
    "media.confirm": STAFF + ("security_officer",),
    "media.count": ("archivist", "security_officer"),
    "media.unseal": ("supervisor", "archivist", "security_officer"),
    "media.approve": ("archivist", "security_officer"),
    "media.repair": ("security_officer",),
    "media.dispose": ("security_officer",),
    "media.settings": ("security_officer",),
    # inspections, playback checks, the special security acceptance (the bundle itself: export.read)
    "inspections.view": ("security_officer", "supervisor", "auditor"),
    "inspections.record": ("security_officer", "supervisor"),
    "inspections.settings": ("security_officer",),
    "completion.view": ("security_officer", "auditor"),
    # the process flow sheet (流程单, app/custody/flow): operators scan steps, the administrator defines
    # the steps and registers devices, supervisors assign work and read the board
    "steps.record": STAFF,
    "steps.view": STAFF + ("security_officer", "auditor", "administrator"),
    "steps.define": ("administrator",),
    "steps.assign": ("supervisor",),
    "steps.board": ("supervisor", "auditor"),
    "devices.manage": ("administrator",),
    "devices.view": STAFF + ("administrator", "security_officer", "auditor"),
}.items()}


def allowed(roles, permission: str) -> bool:
    """True if any of these roles holds the permission; unknown permissions are denied."""
    return bool(PERMISSIONS.get(permission, frozenset()).intersection(roles))
