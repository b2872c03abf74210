"""The data model (DESIGN.md): one module per aggregate, re-exported here."""
# the media area owns its loans; importable from here as before (the nightly sweep reads them)
from ..flow.models import ProcessStep
from ..media.models import MediaLoan
from .base import BaseModel
from .imports import ImportJob
from .items import CODE_PREFIX, ITEM_KINDS, ITEM_STATES, Item, Tag
from .loads import ImportLoad, highest_number, taken
from .logs import AccessEvent, AuditLog, Checkpoint, Event, LogHead, Reader
from .nights import SweepRun
from .people import BADGE_STATUSES, PRIVILEGED_ROLES, ROLES, ApiToken, Person, User, UserRole
from .places import LOCATION_KINDS, STORAGE_KINDS, Location, Site
from .printers import PRINTER_KINDS, Printer
from .reads import ReaderRead, ReaderStatus
from .work import ALERT_SEVERITIES, Alert

ALL_MODELS = [Site, Location, Person, User, UserRole, ApiToken, Item, Tag, Reader, LogHead, Event,
              AuditLog, AccessEvent, ProcessStep, MediaLoan, Alert, ImportJob, ImportLoad, Printer,
              SweepRun, ReaderRead, ReaderStatus, Checkpoint]

__all__ = [
    "ALL_MODELS", "ALERT_SEVERITIES", "ImportJob", "ImportLoad", "BADGE_STATUSES", "CODE_PREFIX", "ITEM_KINDS", "ITEM_STATES",
    "LOCATION_KINDS", "PRIVILEGED_ROLES", "ROLES", "STORAGE_KINDS", "AccessEvent",
    "Alert", "ApiToken", "AuditLog", "BaseModel", "Checkpoint", "Event", "Item",
    "Location", "LogHead", "MediaLoan", "Person", "PRINTER_KINDS", "Printer", "ProcessStep", "Reader",
    "ReaderRead", "ReaderStatus", "Site", "SweepRun", "Tag", "User",
    "UserRole", "highest_number", "taken",
]
