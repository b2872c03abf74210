"""Reading the people pages' form fields (the services validate the values)."""
from flask import request


def field(name: str, limit: int = 2000) -> str:
    """A trimmed form field, cut to a sane length."""
    return (request.form.get(name) or "").strip()[:limit]


def badge_fields() -> dict:
    """The fields a badge action may carry."""
    return {"reason": field("reason", 200), "valid_from": field("valid_from", 20) or None,
            "valid_until": field("valid_until", 20) or None, "new_tag": field("new_tag", 64)}


def change_filters(args) -> dict:
    """The register's filters from the query string."""
    return {"kind": (args.get("kind") or "").strip(), "q": (args.get("q") or "").strip()[:100],
            "since": (args.get("since") or "").strip()[:10], "until": (args.get("until") or "").strip()[:10]}
