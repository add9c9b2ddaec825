"""A contract that tells the truth (issue 11.5), over the real embedded app: the OpenAPI validates,
every operation documents its problem+json answers, a 405 says what is allowed, and Swagger UI and
ReDoc are served from the app itself (no CDN)."""

from __future__ import annotations

import json
import re

import httpx
import jsonschema
import referencing
import referencing.jsonschema
from openapi_spec_validator import validate

from shared.testing.plugin import token

ADMIN = token("admin")
METHODS = {"get", "put", "post", "delete", "patch"}


async def _openapi(client: httpx.AsyncClient) -> dict:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()


async def test_the_openapi_document_validates(embedded: httpx.AsyncClient) -> None:
    doc = await _openapi(embedded)
    validate(doc)
    text = json.dumps(doc)
    assert "$defs" not in text
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text))
    assert refs <= set(doc["components"]["schemas"])
    body = doc["paths"]["/api/v1/org-units"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["units"]["items"] == {"$ref": "#/components/schemas/OrgUnitIn"}
    cursor = next(p for p in doc["paths"]["/api/v1/errors"]["get"]["parameters"] if p["name"] == "cursor")
    assert {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1} in cursor["schema"]["anyOf"]


async def test_every_schema_is_valid_json_schema_and_the_policy_matches_its_own(embedded: httpx.AsyncClient) -> None:
    doc = await _openapi(embedded)
    for name, schema in doc["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:  # the failure names the schema
            raise AssertionError(f"{name}: {exc.message}") from exc
    registry = referencing.Registry().with_resource(
        "urn:m2c", referencing.Resource.from_contents(doc, default_specification=referencing.jsonschema.DRAFT202012))
    policy = (await embedded.get("/api/v1/accountability-policy", headers=ADMIN)).json()
    get = doc["paths"]["/api/v1/accountability-policy"]["get"]["responses"]["200"]["content"]["application/json"]
    validator = jsonschema.Draft202012Validator({"$ref": "urn:m2c#" + get["schema"]["$ref"][1:]}, registry=registry)
    assert [e.message for e in validator.iter_errors(policy)] == []
    r = await embedded.put("/api/v1/accountability-policy", json=policy, headers=ADMIN)
    assert r.status_code == 200 and r.json() == policy


async def test_every_operation_documents_its_problems(embedded: httpx.AsyncClient) -> None:
    doc = await _openapi(embedded)
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    operations = [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()
                  if method in METHODS and path.startswith("/api/")]
    assert len(operations) >= 45
    for path, method, op in operations:
        responses = op["responses"]
        expected = {"404", "422", "431", "500"}
        expected |= {"401", "403"} if op.get("security") else set()
        expected |= {"413"} if "requestBody" in op else set()
        assert expected <= set(responses), (method, path, sorted(responses))
        for status, response in responses.items():
            if status[0] in "45":
                assert response["content"] == problem, (method, path, status)
    imports = doc["paths"]["/api/v1/credit/import/{kind}"]["post"]["responses"]
    assert "415" in imports and "415" not in doc["paths"]["/api/v1/errors"]["post"]["responses"]
    assert "401" not in doc["paths"]["/healthz"]["get"]["responses"]


async def test_405_says_which_methods_are_allowed(embedded: httpx.AsyncClient) -> None:
    r = await embedded.delete("/api/v1/errors", headers=ADMIN)
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, POST"
    assert r.headers["content-type"] == "application/problem+json"
    r = await embedded.patch("/api/v1/silences/00000000-0000-0000-0000-000000000001", headers=ADMIN)
    assert r.status_code == 405 and r.headers["allow"] == "DELETE"


async def test_swagger_ui_and_redoc_are_served_without_a_cdn(embedded: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        r = await embedded.get(page)
        assert r.status_code == 200 and "text/html" in r.headers["content-type"]
        urls = re.findall(r'(?:src|href)="([^"]+)"|url: ?[\'"]([^\'"]+)', r.text)
        assets = [u for pair in urls for u in pair if u]
        assert assets and all(u.startswith("/") for u in assets), assets
        for asset in assets:
            got = await embedded.get(asset)
            assert got.status_code == 200, asset
            assert len(got.content) > 0
    assert "SwaggerUIBundle" in (await embedded.get("/static-offline-docs/swagger-ui-bundle.js")).text
