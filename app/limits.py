"""Bounds on what one request may ask of the server (docs/security.md, "Input limits").

- integers in URLs stop at 2^63 - 1 (a bigger one is no id of ours: 404, never an OverflowError);
- JSON bodies nest at most MAX_JSON_DEPTH levels (deeper: 400, never a RecursionError);
- a number too large for the database, reaching it anyway (a paging parameter), is a 400;
- no text in a request may hold a NUL character (PostgreSQL cannot store one; nothing we keep needs it):
  400 for JSON, query strings, forms and URL parts alike.
"""
import json

from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

MAX_INT = 2 ** 63 - 1
MAX_JSON_DEPTH = 32


class BoundedIntegerConverter(IntegerConverter):
    """<int:…> that matches only numbers a database id can hold."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INT, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def json_depth(value) -> int:
    """How deeply lists and objects nest in a parsed JSON value (iterative: no recursion limit).

    Raises ValueError when a key or a string holds a NUL character."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, depth)
            for k, v in node.items():
                if "\x00" in k:
                    raise ValueError("NUL in a JSON key")
                stack.append((v, depth + 1))
        elif isinstance(node, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in node)
        elif isinstance(node, str) and "\x00" in node:
            raise ValueError("NUL in a JSON string")
    return deepest


def refuse_nul() -> None:
    """before_request: a NUL anywhere in the URL, the query string or a form is a 400."""
    from flask import abort, request

    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        # (a multipart part may come without a value: None)
        if any("\x00" in (k or "") or "\x00" in (v or "") for k, v in request.form.items(multi=True)):
            abort(400)


def loads(text, **kwargs):
    """json.loads refusing nesting deeper than MAX_JSON_DEPTH; raises ValueError (as for bad JSON)."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return value


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing bodies nested deeper than MAX_JSON_DEPTH (request.get_json answers 400)."""

    def loads(self, s, **kwargs):
        return loads(s, **kwargs)


def init_app(app) -> None:
    """Install the bounded URL integers and JSON parser (before any blueprint adds its routes)."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.json_provider_class = BoundedJSONProvider
    app.json = BoundedJSONProvider(app)
    # called after db.init_app: the database connects first, since a refusal renders a page that reads the user
    app.before_request(refuse_nul)
