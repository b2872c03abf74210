"""Reading requests: the JSON body checked against the same schema the OpenAPI document shows,
query parameters, and the idempotency key. Every problem becomes a translated InvalidFieldError.
"""

from flask import request
from jsonschema import Draft202012Validator

from app import limits
from app.custody.errors import N_

from .errors import BadJsonError, InvalidFieldError

MAX_CLIENT_ID = 80  # Event.client_id's column width

_validators: dict[int, Draft202012Validator] = {}

TYPE_MESSAGES = {
    "string": N_("%(field)s must be text."),
    "integer": N_("%(field)s must be a whole number."),
    "number": N_("%(field)s must be a number."),
    "boolean": N_("%(field)s must be true or false."),
    "object": N_("%(field)s must be a JSON object."),
    "array": N_("%(field)s must be a list."),
}


def _validator(schema: dict) -> Draft202012Validator:
    # module-level schemas are compiled once; the cache holds them, so their ids are never reused
    cached = _validators.get(id(schema))
    if cached is not None and cached.schema is schema:
        return cached
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    if len(_validators) < 256:  # a schema built per request is not worth keeping
        _validators[id(schema)] = validator
    return validator


def json_body(schema: dict) -> dict:
    """The request's JSON object, checked against a self-contained JSON Schema.

    Raises BadJsonError (not JSON / not an object) or InvalidFieldError (first problem found).
    An empty body counts as {} so that a missing field is reported by name.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        body = {}
    else:
        try:
            body = limits.loads(raw)  # nesting bounded: a deep body is a 400, not a RecursionError
        except (ValueError, UnicodeDecodeError) as err:
            raise BadJsonError() from err
    if not isinstance(body, dict):
        raise BadJsonError(N_("The request body must be a JSON object."))
    errors = sorted(_validator(schema).iter_errors(body), key=lambda e: (len(e.path), list(e.path)))
    if errors:
        raise _field_error(errors[0])
    return body


def _field_error(err) -> InvalidFieldError:
    """One jsonschema error as a sentence a person can act on."""
    field = ".".join(str(p) for p in err.path)
    if err.validator == "required":
        missing = next((name for name in err.validator_value if name not in err.instance), "?")
        return InvalidFieldError(N_("Missing field: %(field)s."), field=missing)
    if err.validator == "additionalProperties":
        allowed = set(err.schema.get("properties", {}))
        extra = sorted(k for k in err.instance if k not in allowed)
        return InvalidFieldError(N_("Unknown field: %(field)s."), field=extra[0] if extra else field)
    if err.validator == "type":
        wanted = err.validator_value if isinstance(err.validator_value, str) else err.validator_value[0]
        return InvalidFieldError(TYPE_MESSAGES.get(wanted, N_("%(field)s is not valid.")), field=field)
    if err.validator == "minLength":
        return InvalidFieldError(N_("%(field)s must not be empty."), field=field)
    if err.validator == "maxLength":
        return InvalidFieldError(N_("%(field)s is too long (at most %(max)s characters)."), field=field,
                                 max=err.validator_value)
    if err.validator == "minimum":
        return InvalidFieldError(N_("%(field)s must be at least %(min)s."), field=field, min=err.validator_value)
    if err.validator == "maximum":
        return InvalidFieldError(N_("%(field)s must be at most %(max)s."), field=field, max=err.validator_value)
    if err.validator == "enum":
        return InvalidFieldError(N_("%(field)s must be one of: %(choices)s."), field=field,
                                 choices=", ".join(map(str, err.validator_value)))
    return InvalidFieldError(N_("%(field)s is not valid."), field=field)


def int_arg(name: str, default: int, *, minimum: int, maximum: int) -> int:
    """An integer query parameter within bounds; raises InvalidFieldError."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidFieldError(TYPE_MESSAGES["integer"], field=name) from None
    if value < minimum:
        raise InvalidFieldError(N_("%(field)s must be at least %(min)s."), field=name, min=minimum)
    if value > maximum:
        raise InvalidFieldError(N_("%(field)s must be at most %(max)s."), field=name, max=maximum)
    return value


def choice_arg(name: str, choices) -> str | None:
    """A query parameter that must be one of choices (absent or empty: None); raises InvalidFieldError."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if raw not in choices:
        raise InvalidFieldError(N_("%(field)s must be one of: %(choices)s."), field=name,
                                choices=", ".join(choices))
    return raw


def idempotency_key(body: dict) -> str | None:
    """The client's key for this write: the Idempotency-Key header or "client_id" in the body.

    Raises InvalidFieldError when it is too long or when the two disagree.
    """
    header = (request.headers.get("Idempotency-Key") or "").strip() or None
    in_body = body.get("client_id")
    in_body = in_body.strip() or None if isinstance(in_body, str) else None
    if header and in_body and header != in_body:
        raise InvalidFieldError(N_("The Idempotency-Key header and client_id differ; send one of them."),
                                field="client_id")
    key = header or in_body
    if key is not None and len(key) > MAX_CLIENT_ID:
        raise InvalidFieldError(N_("%(field)s is too long (at most %(max)s characters)."),
                                field="Idempotency-Key" if header else "client_id", max=MAX_CLIENT_ID)
    return key
