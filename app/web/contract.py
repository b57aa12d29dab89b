"""The API's OpenAPI contract made exact: every error an operation can answer is listed, each as
RFC 9457 problem+json with its schema (FastAPI lists only what the routes declare, and its own
422 as plain JSON). The HTML pages are left out of the contract (their routers say so)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string", "description": "where in the request the fault is"},
    },
}
EVERY = {"405": "Method Not Allowed", "503": "The server is busy, or the work took too long"}
WITH_INPUT = {"400": "The body cannot be read", "408": "The body stopped arriving",
              "413": "Upload too large", "422": "That input cannot be used"}  # fmt: skip
COUNTED = {"429": "Too many requests from this address (Retry-After says when to try again)"}
WITH_ID = {"404": "Not found", "410": "The run has expired"}
MADE_RUN = {"run_id": "$response.body#/id"}
MADE_TRAINING = {"training_id": "$response.body#/id"}
Link = tuple[str, str, dict[str, str], dict[str, str] | None]
"""(target path, its method, parameters, request body) of one link."""
LINKS: dict[tuple[str, str, str], dict[str, Link]] = {
    ("/api/run", "post", "200"): {
        "GetRun": ("/api/runs/{run_id}", "get", MADE_RUN, None),
        "ExplainCell": ("/api/runs/{run_id}/explain", "get", MADE_RUN, None),
        "SaveDemo": ("/api/demos", "post", {}, {"run_id": "$response.body#/id"}),
    },
    ("/api/trainings", "post", "201"): {
        "GetTraining": ("/api/trainings/{training_id}", "get", MADE_TRAINING, None),
        "Train": ("/api/trainings/{training_id}/steps", "post", MADE_TRAINING, None),
        "Change": ("/api/trainings/{training_id}", "patch", MADE_TRAINING, None),
        "Snapshot": (
            "/api/trainings/{training_id}/snapshots/{step}",
            "get",
            {**MADE_TRAINING, "step": "$response.body#/step"},
            None,
        ),
    },
    ("/api/demos", "post", "201"): {
        "GetDemo": ("/api/demos/{demo_id}", "get", {"demo_id": "$response.body#/id"}, None),
        "DeleteDemo": ("/api/demos/{demo_id}", "delete", {"demo_id": "$response.body#/id"}, None),
    },
}
"""How an answer's ids lead to the next operations (OpenAPI links), so a client, or a stateful
contract test, can follow a made run to its stages, cells and demos."""


def add_links(schema: dict[str, Any]) -> None:
    """Put LINKS into the schema, naming each target by its operationId."""
    paths = schema["paths"]
    for (path, method, status), links in LINKS.items():
        response = paths[path][method]["responses"].setdefault(status, {"description": "Made"})
        response["links"] = {
            name: {
                "operationId": paths[to][how]["operationId"],
                **({"parameters": params} if params else {}),
                **({"requestBody": body} if body else {}),
            }
            for name, (to, how, params, body) in links.items()
        }


def exact_contract(app: FastAPI) -> None:
    """Replace ``app.openapi`` with one that lists every status of every operation."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = plain()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                responses = operation["responses"]
                wanted = dict(EVERY)
                if method in ("post", "delete") or operation.get("parameters"):
                    wanted |= WITH_INPUT
                if method == "post" and path.startswith("/api/"):
                    wanted |= COUNTED
                if "{" in path or method == "post":
                    wanted |= WITH_ID
                for status, description in wanted.items():
                    responses.setdefault(status, {"description": description})
                for status, response in responses.items():
                    if int(status) >= 400:
                        response["content"] = problem
        add_links(schema)
        schema["components"]["schemas"].pop("HTTPValidationError", None)
        schema["components"]["schemas"].pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
