"""Search filters: one model shared by the API, the command line and the store.

Usage::

    filters = SearchFilters(organisation="Botkyrka kommun", program="mvp", year_from=2015)
    store.candidates(vector, sparse, limit=100, filters=filters)
"""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationError, model_validator


class SearchFilters(BaseModel):
    """Every field narrows the search; unset fields do not."""

    document: str | None = Field(None, max_length=64, description="Only this document id.")
    language: str | None = Field(None, max_length=8, description="Only passages in this language (sv, en, ...).")
    organisation: str | None = Field(None, max_length=200, description="Only documents by this organisation.")
    document_type: str | None = Field(None, max_length=64, description="Only this document type (beslut, rapport...).")
    program: str | None = Field(None, max_length=64, description="Only passages of documents naming this program id.")
    year_from: int | None = Field(None, ge=1900, le=2100, description="Only documents dated this year or later.")
    year_to: int | None = Field(None, ge=1900, le=2100, description="Only documents dated this year or earlier.")

    @model_validator(mode="after")
    def _years_in_order(self) -> SearchFilters:
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise ValueError(f"year_from ({self.year_from}) is after year_to ({self.year_to})")
        return self

    @classmethod
    def checked(cls, **values: object) -> SearchFilters:
        """The filters ``values`` describe, or a ValueError whose message lists every problem in a
        sentence a user can act on (what the API's 422 and the command line's error say)."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            message = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            raise ValueError(message) from None

    def active(self) -> dict:
        return {k: v for k, v in self.model_dump().items() if v not in (None, "")}


FACET_FIELDS = ("organisation", "document_type", "programs", "year", "language")
