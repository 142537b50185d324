"""Property-based requests from the app's own OpenAPI schema: nothing may produce a 5xx."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from conftest import make_settings
from service.api.app import create_app
from service.components import build_store
from service.ingest import ingest_paths


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory, demo_dir):
    data = tmp_path_factory.mktemp("schema") / "data"
    ingest_paths(build_store(make_settings(data)), [str(demo_dir)], 5_000_000)
    app = create_app(make_settings(data, warm_on_start=False, rate_limit_per_minute=0, llm_max_tokens=48,
                                   allowed_hosts="testserver"))  # the Host schemathesis' ASGI client sends
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_server_errors(api_schema):
    """Every operation, a bounded number of generated requests each (pytest 9 and schemathesis'
    pytest plugin disagree, so the operations are driven through their Hypothesis strategies)."""
    from hypothesis import given

    failures, answered = [], []
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) >= 14
    for op in operations:
        @given(case=op.as_strategy())
        @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            response = case.call(timeout=300)  # LLM-backed operations may condense and answer
            declared = api_schema.raw_schema["paths"][op.path][op.method.lower()].get("responses", {})
            answered.append(response.status_code < 400)
            if response.status_code >= 500 and str(response.status_code) not in declared:
                failures.append((case.method, case.path, case.body, response.status_code, response.text[:200]))

        run()
    assert not failures, failures
    assert sum(answered) >= 5, "generated requests must reach the routes, not stop at a guard"


def test_schema_lists_every_endpoint(api_schema):
    paths = set(api_schema.raw_schema["paths"])
    assert {"/v1/ask", "/v1/search", "/v1/chat", "/v1/chat/{session_id}", "/v1/chat/completions", "/v1/models", "/v1/articles",
            "/v1/articles/{article_id}", "/v1/stories", "/v1/stories/{story_id}", "/v1/summaries", "/healthz",
            "/readyz", "/metrics"} <= paths
