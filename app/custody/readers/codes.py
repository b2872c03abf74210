"""The readers area's stored codes and their names (Reader.mode, AccessEvent.reason, ReaderRead kinds)."""
from app.custody import codes as core
from app.custody.vocab import N_, Codes

READER_MODES = Codes("reader_mode", perimeter_door=N_("Perimeter door"), internal_door=N_("Internal door"),
                     shelf=N_("Shelf"), station=N_("Desk station"))
# why a door pass was refused (AccessEvent.reason)
ACCESS_REASONS = Codes(
    "access_reason", extensible=True,  # the people area adds the visitor reasons
    unknown_badge=N_("unknown badge"), not_vetted=N_("not vetted"), suspended=N_("suspended"),
    revoked=N_("revoked"), expired=N_("expired"), not_yet_valid=N_("not yet valid"),
    after_hours=N_("outside working hours"),
)
# what a desk station does with a volume it reads (the reader's settings)
STATION_ACTIONS = Codes("station_action", return_to_storage=N_("Return to storage"), move=N_("Move here"),
                        none=N_("Only record the read"), step=N_("Process step (flow sheet)"))
READ_KINDS = Codes("read_kind", read=N_("Read"), departed=N_("Left the shelf"))
TAG_SCHEMES = Codes("tag_scheme", em4100=N_("EM4100 (125 kHz)"), **{"em-decimal": N_("EM4100, decimal")},
                    epc=N_("UHF EPC"), barcode=N_("Barcode"))
# what a read's tag turned out to be (ReaderRead.resolved_kind)
RESOLVED_KINDS = Codes("resolved_kind", extensible=True, item=N_("Item"), person=N_("Person"), location=N_("Location"),
                       unknown=N_("Unknown tag"))
# a read older than the item's current state, logged but not applied (services.record_late_read)
EVENT_KINDS = Codes("reader_event_kind", extends=core.EVENT_KINDS, late_read=N_("Late read (not applied)"))
# why a read was late (the late_read event's data "reason"; rules.late_reason)
LATE_REASONS = Codes(
    "late_reason",
    after_last_event=N_("read before the item's last change"),
    spool_age=N_("waited in the reader's spool longer than its limit"),
)
AUDIT_ACTIONS = Codes("reader_audit_action", extends=core.AUDIT_ACTIONS,
                      **{"reader.approve": N_("Reader approved")})
