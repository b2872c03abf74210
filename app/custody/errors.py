"""Typed refusals. Each carries a stable code, an HTTP-ish status and a translatable message.

Messages are English msgids marked with N_() so the web layer can show them in the user's
language (app.i18n.translate) while the domain stays free of Flask. A parameter that is a stored
code is passed as `SOME_CODES.coded(code)` and shown by its name (app/custody/vocab.py).
"""
from .vocab import N_, english

__all__ = ["N_"]  # re-exported: areas mark their messages with errors.N_ or vocab.N_


class CustodyError(Exception):
    code = "custody_error"
    status = 400
    template = N_("The request could not be carried out.")
    # params whose values are themselves msgids (field names) and get translated too
    translatable: tuple[str, ...] = ()

    def __init__(self, template: str | None = None, **params):
        if template is not None:
            self.template = template
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return english(self.template, self.params)


class NotFoundError(CustodyError):
    code = "not_found"
    status = 404
    template = N_("Not found.")


class ItemNotFound(NotFoundError):
    code = "unknown_code"
    template = N_("Unknown code: %(code)s")


class LocationNotFound(NotFoundError):
    code = "unknown_location"
    template = N_("Unknown location: %(code)s")


class PersonNotFound(NotFoundError):
    code = "unknown_person"
    template = N_("Unknown badge: %(code)s")


class QuarantinedError(CustodyError):
    code = "quarantined"
    status = 409
    template = N_("%(code)s is quarantined: no further steps until it is released.")


class AlreadyThereError(CustodyError):
    code = "already_there"
    status = 409
    template = N_("%(code)s is already at %(location)s.")


class ConflictError(CustodyError):
    code = "conflict"
    status = 409


class DestinationNotAllowedError(CustodyError):
    code = "destination_not_allowed"
    status = 422
    template = N_("%(code)s cannot go to %(location)s: not allowed for this kind of item.")


class BadgeNotActiveError(CustodyError):
    code = "badge_not_active"
    status = 422
    template = N_("The badge of %(name)s is not active.")


class NotAllowedError(CustodyError):
    code = "forbidden"
    status = 403
    template = N_("You are not allowed to do this.")


class ValidationError(CustodyError):
    code = "invalid"
    status = 422
    template = N_("The input is not valid.")


class RoleSeparationError(CustodyError):
    code = "role_separation"
    status = 422
    template = N_("An account cannot hold both %(a)s and %(b)s (separation of the three roles).")


class LoginFailedError(CustodyError):
    code = "login_failed"
    status = 401
    # one message for every failure: unknown user, wrong password, locked, disabled
    template = N_("Invalid username or password.")


class NotYoursError(CustodyError):
    code = "not_yours"
    status = 403
    template = N_("%(code)s is held by %(holder)s: only they, an archivist or a supervisor can return it.")


class IdempotencyKeyReusedError(CustodyError):
    code = "idempotency_key_reused"
    status = 422
    template = N_("This idempotency key was already used for a different request (on %(code)s).")


class NotYoursToMoveError(NotYoursError):
    template = N_("%(code)s is held by %(holder)s: only they, an archivist or a supervisor can move it or hand it on.")


class UndoRefusedError(CustodyError):
    code = "undo_refused"
    status = 409
    template = N_("This scan can no longer be undone.")


class InvalidTokenError(CustodyError):
    code = "invalid_token"
    status = 401
    template = N_("The API token is not valid: it is unknown, revoked, or its account is disabled.")


class VettingIncompleteError(CustodyError):
    """The badge cannot be activated: `gaps` lists each required vetting item missing or short."""

    code = "vetting_incomplete"
    status = 422
    template = N_("The badge of %(name)s cannot be activated; vetting is not complete: %(missing)s")
    translatable = ("missing",)

    def __init__(self, *, name: str, gaps: list):
        from .people.codes import GAP_REASONS, VETTING_ITEMS

        self.gaps = gaps
        # (item name, reason) msgids: the web layer translates each
        super().__init__(name=name, missing=tuple((VETTING_ITEMS.msgid(g.item), GAP_REASONS.msgid(g.reason))
                                                  for g in gaps))

    @property
    def message(self) -> str:
        missing = "; ".join(f"{i} ({r})" for i, r in self.params["missing"])
        return self.template % {"name": self.params["name"], "missing": missing}


class HoldingItemsError(ConflictError):
    """A person cannot leave while holding volumes, media or devices; `codes` lists what to hand back."""

    code = "holding_items"
    template = N_("%(name)s still holds %(count)d things; they must be handed back first: %(codes)s")
