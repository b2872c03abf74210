"""GET /api/v1/people/<badge_code>: a person's badge status and what they hold now."""
from flask import jsonify
from peewee import JOIN

from app.custody import clock, rules
from app.custody.models import Item, Location, Person, Site
from app.security import require

from . import bp, openapi
from .schemas import item_json, person_json


@bp.route("/people/<badge_code>")
@require("people.view")
def get_person(badge_code):
    who = Person.by_badge(badge_code)  # raises PersonNotFound (404 unknown_person)
    today = rules.local_date(clock.now(), Site.timezone_name())
    holding = (Item.select(Item, Location).join(Location, JOIN.LEFT_OUTER, on=(Item.location == Location.id))
               .where(Item.holder == who).order_by(Item.code))
    body = person_json(who, today=today)
    body["holding"] = []
    for item in holding:
        item.holder = who  # already known: spares a query per row
        body["holding"].append(item_json(item))
    return jsonify(body)


openapi.add_tag("people", "Staff of the archive and of the service organisation, by badge.")
openapi.add_paths({"/api/v1/people/{badge_code}": {"get": openapi.operation(
    "A person's badge and holdings", permission="people.view", tag="people", operation_id="getPerson",
    parameters=[openapi.path_parameter("badge_code", "The badge code (any scan form).", example="B00000001")],
    responses={"200": openapi.json_response("The person", {"$ref": openapi.ref("Person")})},
    errors=(401, 403, 404))}})
