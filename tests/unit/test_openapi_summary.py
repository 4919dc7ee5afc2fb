"""`serving.openapi_summary`: routes and fields read from a FastAPI schema."""

from __future__ import annotations

from typing import Literal

import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from mlplatform.serving.openapi_summary import fields_table, routes_table


class Ask(BaseModel):
    user_id: int = Field(ge=1, description="who")
    k: int = Field(10, ge=1, le=100)
    gender: Literal["M", "F"] | None = None


class Answer(BaseModel):
    items: list[int]


def schema() -> dict:
    app = FastAPI()

    @app.post("/ask", response_model=Answer, responses={503: {"description": "down"}})
    def ask(body: Ask) -> Answer:
        """Ask something."""
        return Answer(items=[])

    @app.get("/health")
    def health() -> dict:
        return {}

    return app.openapi()


def test_routes_table() -> None:
    table = routes_table(schema()).set_index("route")
    assert table.loc["/ask", "method"] == "POST"
    assert table.loc["/ask", "request"] == "Ask" and table.loc["/ask", "response"] == "Answer"
    assert table.loc["/ask", "errors"] == "422, 503"
    assert table.loc["/health", "request"] == "" and table.loc["/health", "errors"] == ""


def test_fields_table() -> None:
    table = fields_table(schema(), "Ask").set_index("field")
    assert table.loc["user_id", "required"] and not table.loc["k", "required"]
    assert table.loc["user_id", "constraints"] == "minimum=1"
    assert table.loc["k", "constraints"] == "minimum=1, maximum=100"
    assert table.loc["k", "default"] == 10
    assert table.loc["gender", "type"] == "string | null"
    assert "enum=['M', 'F']" in table.loc["gender", "constraints"]
    assert table.loc["user_id", "description"] == "who"
    with pytest.raises(KeyError, match="No component 'Nope'"):
        fields_table(schema(), "Nope")
