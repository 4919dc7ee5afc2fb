"""Response models every service shares: the error body and the served model's identity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from mlplatform.serving.model_source import ServedModel


class ErrorBody(BaseModel):
    """Every error: what went wrong and what to do, and the request id to find it in the logs."""

    detail: str
    request_id: str | None = None
    errors: list[dict] | None = None


class ServedModelInfo(BaseModel):
    """The registered model version that answered."""

    name: str = Field(examples=["movie-recommender"])
    version: str = Field(examples=["3"])
    alias: str = Field(examples=["champion"])

    @classmethod
    def of(cls, served: ServedModel) -> ServedModelInfo:
        """The identity of a loaded model."""
        return cls(name=served.name, version=served.version, alias=served.alias)


def error_responses(descriptions: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a route: each status with its description and the `ErrorBody`."""
    return {
        status: {"model": ErrorBody, "description": text} for status, text in descriptions.items()
    }
