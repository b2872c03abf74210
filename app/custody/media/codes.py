"""The media register's stored code sets, each declared once with its translatable names."""
from app.custody import codes as core
from app.custody.vocab import N_, Codes

CATEGORIES = Codes(
    "media_category",
    usb_drive=N_("USB drive"), portable_disk=N_("Portable hard disk"), optical_disc=N_("Optical disc"),
    memory_card=N_("Memory card"), internal_disk=N_("Internal hard disk"),
    pc=N_("Computer"), scanner=N_("Scanner"), burner=N_("Disc burner"), other_device=N_("Other equipment"),
)
# which categories are media (item kind "media") and which are equipment (item kind "device")
MEDIA_CATEGORIES = ("usb_drive", "portable_disk", "optical_disc", "memory_card", "internal_disk")
EQUIPMENT_CATEGORIES = ("pc", "scanner", "burner", "other_device")

OWNER_ORGS = Codes("media_owner_org", archive=N_("Archive department"), service=N_("Service organisation"))

STATUSES = Codes(
    "media_status",
    registered=N_("In the register"), on_loan=N_("On loan"), under_repair=N_("Under repair"),
    ended=N_("Ended"),
)

RETURN_ACTIONS = Codes(
    "media_return_action",
    verified=N_("Verified"), wiped=N_("Wiped"), contents_handed_over=N_("Contents handed over"),
)

LOAN_STATUSES = Codes(
    "media_loan_status",
    out=N_("Out"), returned=N_("Returned, awaiting confirmation"), closed=N_("Returned and confirmed"),
)

COUNT_RESULTS = Codes(
    "media_count_result",
    present=N_("Present"), on_loan=N_("On loan"), missing=N_("Missing"), unexpected=N_("Unexpected"),
)
# results that must carry an explanation before a count can be closed
DIFFERENCES = ("missing", "unexpected")

COUNT_STATUSES = Codes("media_count_status", open=N_("In progress"), closed=N_("Closed"))

UNSEALING_STATUSES = Codes(
    "media_unsealing_status",
    requested=N_("Requested"), approved=N_("Approved"), open=N_("Port open"), closed=N_("Re-sealed"),
)

REPAIR_STATUSES = Codes("media_repair_status", out=N_("Out for repair"), back=N_("Back and checked"))

END_KINDS = Codes(
    "media_end_kind",
    handed_over=N_("Handed over to the archive department"), wiped=N_("Wiped"), destroyed=N_("Destroyed"),
)

# MediaDisposal.kind: an end state, or the residual-information check of equipment
DISPOSAL_KINDS = Codes("media_disposal_kind", **END_KINDS, residual_check=N_("Residual information checked"))

RESIDUAL_RESULTS = Codes(
    "media_residual_result",
    clean=N_("No residual information"), found_wiped=N_("Residual information found and wiped"),
)

EVENT_KINDS = Codes(
    "media_event_kind", extends=core.EVENT_KINDS,
    media_register=N_("Registered in the media register"), loan=N_("Lent"), loan_return=N_("Loan returned"),
    repair_out=N_("Sent out for repair"), repair_back=N_("Back from repair"), port_unseal=N_("Port unsealed"),
    port_reseal=N_("Port re-sealed"), seal=N_("Seal registered"), dispose=N_("End of use recorded"),
    residual_check=N_("Residual information checked"),
)

ALERT_KINDS = Codes(
    "media_alert_kind", extends=core.ALERT_KINDS,
    unsealing_overdue=N_("Port unsealing open past its end"), media_count_due=N_("Media count due"),
    seal_broken=N_("Seal found broken"),
)
# what this area writes to the admin log
AUDIT_ACTIONS = Codes("media_audit_action", extends=core.AUDIT_ACTIONS, **{
    "media.settings": N_("Media settings changed"), "media.loan.confirm": N_("Media loan confirmed"),
    "media.count.close": N_("Media count closed"), "media.seal.check": N_("Seal checked"),
    "media.unsealing.request": N_("Port unsealing requested"),
    "media.unsealing.approve": N_("Port unsealing approved"),
})
