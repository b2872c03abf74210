"""GET /api/v1/locations: the location tree as a flat list, each row naming its parent's code."""
from flask import jsonify

from app.custody.models import Location
from app.security import require

from . import bp, openapi
from .schemas import location_json


@bp.route("/locations")
@require("locations.view")
def list_locations():
    rows = list(Location.select().order_by(Location.code))
    codes = {loc.id: loc.code for loc in rows}
    return jsonify({"locations": [location_json(loc, codes.get(loc.parent_id)) for loc in rows]})


openapi.add_tag("locations", "The site's places: storage rooms, shelves, workrooms, workstations, doors.")
openapi.add_paths({"/api/v1/locations": {"get": openapi.operation(
    "List all locations", permission="locations.view", tag="locations", operation_id="listLocations",
    description="Ordered by code; rebuild the tree from each row's `parent`.",
    responses={"200": openapi.json_response("Every location", {
        "type": "object", "required": ["locations"],
        "properties": {"locations": {"type": "array", "items": {"$ref": openapi.ref("Location")}}}})})}})
