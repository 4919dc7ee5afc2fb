"""A service's OpenAPI schema as two small tables: its routes, and the fields of a model.

The schema at `/openapi.json` is the contract FastAPI writes from the pydantic models; these
tables are what a reader looks at first: which routes exist, what they take and what they answer.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

CONSTRAINTS = ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "enum")


def _name(reference: dict[str, Any] | None) -> str:
    """`RecommendationRequest` for `{"$ref": "#/components/schemas/RecommendationRequest"}`."""
    if not reference:
        return ""
    if "$ref" in reference:
        return reference["$ref"].rsplit("/", 1)[-1]
    return reference.get("type", "")


def routes_table(schema: dict[str, Any]) -> pd.DataFrame:
    """One row per route and method: summary, request model, 200 model and the error statuses."""
    rows = []
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {})
            request = _name(next(iter(body.values()), {}).get("schema")) if body else ""
            responses = operation.get("responses", {})
            ok = responses.get("200", {}).get("content", {}).get("application/json", {})
            rows.append(
                {
                    "method": method.upper(),
                    "route": path,
                    "request": request,
                    "response": _name(ok.get("schema")),
                    "errors": ", ".join(sorted(code for code in responses if code >= "400")),
                    "summary": operation.get("summary", ""),
                }
            )
    return pd.DataFrame(rows)


def _type(spec: dict[str, Any]) -> str:
    if "anyOf" in spec:
        return " | ".join(_type(option) for option in spec["anyOf"])
    if spec.get("type") == "array":
        return f"array of {_name(spec.get('items')) or _type(spec.get('items', {}))}"
    return _name(spec) or spec.get("type", "any")


def _show(value: object) -> str:
    """`1` rather than `1.0`: JSON Schema writes integer bounds as floats."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def fields_table(schema: dict[str, Any], model: str) -> pd.DataFrame:
    """The fields of component `model`: type, required, default, constraints, description.

    Raises:
        KeyError: the schema has no component of that name; the message lists those it has.
    """
    components = schema.get("components", {}).get("schemas", {})
    if model not in components:
        raise KeyError(f"No component {model!r} in the schema; it has {sorted(components)}.")
    spec = components[model]
    required = set(spec.get("required", []))
    rows = []
    for name, field in spec.get("properties", {}).items():
        options = [field, *field.get("anyOf", [])]
        limits = {key: option[key] for option in options for key in CONSTRAINTS if key in option}
        rows.append(
            {
                "field": name,
                "type": _type(field),
                "required": name in required,
                "default": field.get("default", ""),
                "constraints": ", ".join(f"{key}={_show(value)}" for key, value in limits.items()),
                "description": field.get("description", ""),
            }
        )
    return pd.DataFrame(rows)
