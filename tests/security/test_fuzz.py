"""Property-based fuzzing of the HTTP API from its OpenAPI document (schemathesis), in-process.

Valid and invalid bodies and path parameters for every operation: no 5xx, every answer conforms
to the document, and every error is ``{"error": {"type", "message": "expected ..."}}``.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode, checks
from security_support import LIMITS, api_routes
from serving_support import ADMIN, API
from starlette.testclient import TestClient

from skills_core.serving.inputs import Limits
from skills_core.serving.openapi import openapi_document

pytestmark = pytest.mark.slow

EXAMPLES = 15  # per operation and mode: bounded, deterministic (derandomized)


# the document the in-process server serves (its limits are the conftest's LIMITS; checked below)
DOCUMENT = openapi_document(
    limits=Limits(**{k.removeprefix("SKILLS_").lower(): int(v) for k, v in LIMITS.items()})
)
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES,
    deterministic=True,
    with_security_parameters=False,  # tokens are test_auth's subject; every case here carries a valid one
)
# a rejection is any 4xx the document lists: 413 (too many texts) is one too
schema.config.checks.negative_data_rejection.expected_statuses = [
    "400",
    "401",
    "403",
    "404",
    "405",
    "409",
    "413",
    "415",
    "422",
]
# the response checks; the ones that re-send a case (auth, missing headers) are test_auth's job
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


def send(client: TestClient, case: Any) -> Any:
    """Send a generated case through the in-process client with the right token."""
    token = ADMIN if case.operation.path.startswith("/admin") else API
    kwargs = case.as_transport_kwargs(
        base_url=str(client.base_url), headers={"Authorization": f"Bearer {token}"}
    )
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["json"] = kwargs["json"]
    elif kwargs.get("data") is not None:
        body["content"] = kwargs["data"]
    return client.request(
        kwargs["method"], kwargs["url"], params=kwargs.get("params"), headers=kwargs["headers"], **body
    )


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_never_fails_and_answers_as_documented(case: Any, client: TestClient) -> None:
    response = send(client, case)
    assert response.status_code < 500, (response.status_code, response.text, case.as_curl_command())
    case.validate_response(response, checks=CHECKS)
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"type", "message"} and error["message"].startswith("expected"), error


def test_the_document_matches_the_configured_limits(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc == DOCUMENT
    chat = doc["components"]["schemas"]["ChatRequest"]["properties"]
    assert chat["text"]["maxLength"] == 200 and chat["session_id"]["maxLength"] == 64
    assert client.get("/docs.json").json() == doc  # BentoML's batch-shaped document is replaced
    # the document is public: fetched without any token
    assert client.get("/openapi.json", headers={"Authorization": ""}).status_code == 200


def test_every_public_route_is_documented(app: Any) -> None:
    documented = {(m.upper(), p) for p, ops in DOCUMENT["paths"].items() for m in ops if m != "parameters"}
    missing = {(m, p) for m, p in api_routes(app) if (m, p) not in documented}
    assert not missing, f"routes served but not in skills_core/serving/openapi.py: {sorted(missing)}"
