"""The API fixtures (a small site with tokens, a JSON client) for the flow sheet's tests."""
from tests.api.conftest import Api, in_db, snapshot, world  # noqa: F401
