"""The imports area's stored codes and their names (ImportJob.kind, ImportJob.status)."""
from ..vocab import N_, Codes

IMPORT_KINDS = Codes("import_kind", items=N_("Catalogue"), people=N_("Staff list"))
# queued → validating → importing → done | failed (row errors, or the file could not be read)
IMPORT_STATUSES = Codes("import_status", queued=N_("Queued"), validating=N_("Checking"), importing=N_("Importing"),
                        done=N_("Done"), failed=N_("Failed"))
# what a row already registered (same code, archive number or badge) does: refuse the file, be left out, or
# (a catalogue) update that item's catalogue fields
IMPORT_EXISTING = Codes("import_existing", error=N_("Refuse the file"), skip=N_("Skip them"),
                        update=N_("Update their catalogue entries"))



def existing_choices(kind: str) -> tuple[str, ...]:
    """The IMPORT_EXISTING codes an import of this kind offers: only a catalogue's rows can update (a staff list's
    registered people change through the personnel register, people/changes.py)."""
    return tuple(code for code in IMPORT_EXISTING if kind == "items" or code != "update")
