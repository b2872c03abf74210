"""Property-based fuzzing of the API as its OpenAPI document describes it (Schemathesis): whatever
Hypothesis makes of each operation's parameters and body, the answer is never a server error.
Budget: a few derandomized examples per operation (MAX_EXAMPLES), so CI runs it in about a minute."""
import schemathesis
from hypothesis import HealthCheck, given, settings

MAX_EXAMPLES = 10


def test_no_operation_answers_with_a_server_error(app, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, operations = [], 0
    # the archivist's token reaches most operations; the others answer 401/403, which is fine too
    headers = {"Authorization": f"Bearer {world.arch_token}", "Accept-Language": "en"}
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(operation.as_strategy())
        def run(case):
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, case.query, case.body, response.status_code,
                                 response.text[:200]))

        run()
    assert operations >= 20
    assert failures == []
