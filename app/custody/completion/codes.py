"""The completion area's stored codes and their names, declared once."""
from .. import codes as core
from ..vocab import N_, Codes

INSPECTION_KINDS = Codes("inspection_kind", site=N_("Site inspection"), playback=N_("Video playback check"))

# the site's inspection checklist (巡查): each item is checked ok / finding / not applicable
CHECKS = Codes(
    "inspection_check",
    doors=N_("Doors locked, entry controlled"),
    cabinets=N_("Storage cabinets locked"),
    port_seals=N_("Port seals intact"),
    no_personal_devices=N_("No personal phones, cameras or storage devices"),
    no_food_or_fire=N_("No food, drink or open fire"),
    cameras=N_("Cameras working and recording"),
)
CHECK_RESULTS = Codes("inspection_result", ok=N_("OK"), finding=N_("Finding"), na=N_("Not applicable"))

# the alerts this area opens (the board shows and filters them by these names)
ALERT_KINDS = Codes("completion_alert_kind", extends=core.ALERT_KINDS, inspection_overdue=N_("Site inspection overdue"),
                    playback_overdue=N_("Video playback check overdue"))
OVERDUE_ALERT = {"site": "inspection_overdue", "playback": "playback_overdue"}
# what this area writes to the admin log
AUDIT_ACTIONS = Codes("completion_audit_action", extends=core.AUDIT_ACTIONS, **{
    "inspection.site": N_("Site inspection recorded"), "inspection.playback": N_("Video playback check recorded"),
    "video.deleted": N_("Video deletion recorded"), "completion.settings": N_("Inspection settings changed"),
})

# the special security acceptance (7.1): each item green or red, live
ACCEPTANCE_ITEMS = Codes(
    "acceptance_item",
    media=N_("Every medium and disk has an end state (handed over, wiped or destroyed)"),
    video=N_("Every video period has a playback check"),
    batches=N_("Every batch that went out came back with a return handover and no open difference"),
    volumes=N_("Every volume is back in storage; none quarantined without hand-back"),
    personnel=N_("Every personnel change is recorded"),
    inspections=N_("Site inspections and playback checks are not overdue"),
    logs=N_("Both logs verify against their signed checkpoints"),
)
