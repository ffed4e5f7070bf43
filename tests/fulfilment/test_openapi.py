"""The OpenAPI document of the two fulfilment endpoints and its server-rendered page."""
from __future__ import annotations

import json
import re


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_document_is_openapi_3_with_both_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    doc = json.loads(response.data)
    assert doc["openapi"] == "3.1.0"
    assert {"title", "version"} <= set(doc["info"])
    assert {"/instructions", "/api/v1/fulfilment/events"} <= set(doc["paths"])
    instructions = doc["paths"]["/instructions"]
    assert instructions["servers"][0]["url"] == client.application.config["LOGISTICS_URL"]
    assert instructions["post"]["parameters"][0]["name"] == "Idempotency-Key"
    events = doc["paths"]["/api/v1/fulfilment/events"]["post"]
    assert {"200", "400", "401", "404", "409", "422"} <= set(events["responses"])
    schemas = doc["components"]["schemas"]
    for ref in set(_refs(doc)):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    for name, schema in schemas.items():
        assert set(schema.get("required", [])) <= set(schema["properties"]), name
    assert set(schemas["Event"]["properties"]["type"]["enum"]) == {"picked", "cut", "packed", "shipped", "delivered",
                                                                   "failed"}


def test_examples_follow_their_schemas(client):
    doc = client.get("/api/v1/openapi.json").json
    for path in doc["paths"].values():
        if "example" not in path.get("post", {}).get("requestBody", {}).get("content", {}).get("application/json", {}):
            continue
        body = path["post"]["requestBody"]["content"]["application/json"]
        schema = doc["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
        assert set(schema["required"]) <= set(body["example"]) <= set(schema["properties"])


def test_readable_page_without_inline_scripts(client):
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "/api/v1/fulfilment/events" in html and "/instructions" in html and "Idempotency-Key" in html
    assert 'id="schema-Instruction"' in html and 'href="#schema-Cutting"' in html
    assert "X-Stomi-Signature" in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_every_problem_type_link_has_its_description(client):
    """Each problem's `type` is /api/v1/docs#problem-<code>: the page has that anchor for every code the APIs use."""
    html = client.get("/api/v1/docs").get_data(as_text=True)
    codes = client.get("/api/v1/openapi.json").json["x-problem-types"]
    for code in ("malformed", "invalid_body", "unsigned", "invalid_time", "invalid_token", "grant_refused",
                 "idempotency_key_reused", "citizen_not_found"):
        assert code in codes and f'id="problem-{code}"' in html, code
    problem = client.post("/api/v1/fulfilment/events", data=b"{}", headers={"Content-Type": "application/json"})
    assert problem.mimetype == "application/problem+json" and problem.json["type"] == "/api/v1/docs#problem-unsigned"


def test_the_document_is_valid_openapi_3_1(client):
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation import OpenAPIV31SpecValidator

    validate(client.get("/api/v1/openapi.json").json, cls=OpenAPIV31SpecValidator)


def test_operations_are_named_once_and_every_protected_one_says_401(client):
    doc = client.get("/api/v1/openapi.json").json
    operations = [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()
                  if method in ("get", "post", "put", "delete")]
    ids = [op["operationId"] for _p, _m, op in operations]
    assert len(ids) == len(set(ids))
    for path, method, op in operations:
        if op.get("security") and path.startswith("/api/v1/") and op["security"] != [{"ClientSecretBasic": []}, {}]:
            assert "401" in op["responses"], (method, path)
        for param in op.get("parameters", []):
            if param["in"] == "path" and param["schema"]["type"] == "integer":
                assert param["schema"]["maximum"] == 2**31 - 1, (method, path)  # no id past a 32-bit key
