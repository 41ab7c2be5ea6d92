"""The package's shape: one frozen base model, one `ApiError`, `RAGReport` where users look for it."""

from __future__ import annotations

import pydantic
import pytest

import veracity
from veracity._model import FrozenModel
from veracity.errors import ApiError, VeracityError


def test_one_api_error_for_server_and_client() -> None:
    from veracity.client import ApiError as ClientApiError
    from veracity.server.errors import ApiError as ServerApiError

    assert ClientApiError is ApiError and ServerApiError is ApiError and issubclass(ApiError, VeracityError)
    client_side = ApiError(422, "empty_input", "text is empty", "r1")
    assert (client_side.status, client_side.code, client_side.request_id, client_side.headers) == (422, "empty_input", "r1", {})
    assert str(client_side) == "empty_input: text is empty (HTTP 422, request r1)"
    server_side = ApiError(503, "not_ready", "loading", headers={"Retry-After": "2"})
    assert server_side.headers == {"Retry-After": "2"} and server_side.request_id is None and server_side.message == "loading"


def test_rag_report_is_exported_where_users_look() -> None:
    from veracity.attribution import RAGReport as FromAttribution
    from veracity.attribution.rag import RAGReport

    assert veracity.RAGReport is RAGReport and FromAttribution is RAGReport and "RAGReport" in veracity.__all__


def test_stage_data_share_one_frozen_strict_base() -> None:
    from veracity.judges.consistency import Ratio
    from veracity.llm.types import Usage
    from veracity.provenance import Provenance
    from veracity.types import Claim, Report

    for model in (Claim, Report, Provenance, Usage, Ratio):
        assert issubclass(model, FrozenModel), model
    claim = Claim(id="c1", text="Paris is in France.", start=0, end=19, sentence="Paris is in France.")
    with pytest.raises(pydantic.ValidationError):
        claim.text = "changed"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        Claim(id="c1", text="x", start=0, end=1, sentence="x", colour="red")  # type: ignore[call-arg]
