"""Refusals specific to the HTTP API. They are CustodyErrors, so app/errors.py renders them in the
JSON envelope, translated, with their status."""
from app.custody import errors
from app.custody.errors import N_, CustodyError


class BadJsonError(CustodyError):
    code = "bad_json"
    status = 400
    template = N_("The request body is not valid JSON.")


class InvalidFieldError(CustodyError):
    """A request field (body or query) is missing or wrong; `field` names it in the envelope."""

    code = "invalid"
    status = 422
    template = N_("The input is not valid.")

    def __init__(self, template: str | None = None, *, field: str, **params):
        self.field = field
        super().__init__(template, field=field, **params)


InvalidTokenError = errors.InvalidTokenError  # raised by the central guard (app/security.py) too


class IdempotencyKeyReusedError(CustodyError):
    code = "idempotency_key_reused"
    status = 422
    template = N_("This idempotency key was already used for a different request (on %(code)s).")
