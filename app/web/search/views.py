"""The top bar's search box: items by code, archive number (any separator) or title; people by name or badge."""
from flask import redirect, render_template, request, url_for

from app.custody import search as finder
from app.security import can, require

from . import bp


@bp.route("/search")
@require(None)
def search():
    """Results for q: items (if the login may view items) and people (if it may view people); one exact
    item code goes straight to its page."""
    q = (request.args.get("q") or "").strip()[:200]
    items = finder.find_items(q) if q and can("items.view") else []
    people = finder.find_people(q) if q and can("people.view") else []
    if len(items) == 1 and not people:
        return redirect(url_for("custody.item", code=items[0].code))
    return render_template("search/results.html", q=q, items=items, people=people)
