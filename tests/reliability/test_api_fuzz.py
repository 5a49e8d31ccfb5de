"""Property-based fuzzing of the whole HTTP API from its own OpenAPI schema (schemathesis).

Every operation in ``/api/openapi.json`` is called with requests that fit the schema (positive) and
with requests that break it (negative), over real HTTP on loopback, as three kinds of client:

* ``anonymous``: no key, reads open (the default server); writes must answer 401;
* ``with-key``: a valid key, so uploads and deletes are really carried out;
* ``reads-need-key``: no key on a server with ``VAKSAM_READ_REQUIRES_KEY``; every ``/api`` call 401.

Each response must be no server error (5xx), have a documented status, content type, headers and a
body that validates against the schema; schema-valid requests must be accepted and invalid ones
refused. ``VAKSAM_FUZZ_EXAMPLES`` bounds the examples per operation and mode (25 in CI, so the file
runs in about a minute; ``make fuzz`` runs 500).
"""

from __future__ import annotations

import os
import shutil
import traceback

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from api.keys import KeyStore
from search.settings import Settings
from tests.conftest import CORPUS, tiny_settings
from tests.servers import LiveServer, free_port

EXAMPLES = int(os.environ.get("VAKSAM_FUZZ_EXAMPLES", "25"))
SCENARIOS = ("anonymous", "with-key", "reads-need-key")
# Statuses an upload may answer for a schema-valid request: multipart cannot say in the schema that
# the file must be a readable PDF/DOCX/... under the size limit, so these are documented refusals.
UPLOAD_REFUSALS = {413, 415, 422}


def _fits_rules_beyond_the_schema(case) -> bool:
    """OpenAPI cannot relate two query parameters: a year range that ends before it starts is
    refused with a 422 that says so (tested in the unit tests), so positive cases keep to it."""
    query = case.query or {}
    start, end = query.get("year_from"), query.get("year_to")
    return not (isinstance(start, int) and isinstance(end, int) and start > end)


def _operations() -> list[str]:
    schema = create_app(Settings(_env_file=None)).openapi()
    return [f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods]


@pytest.fixture(scope="module")
def fuzz_servers(tmp_path_factory, tiny_model_dir, tiny_encoder):
    """One index (two bundled documents), served twice: reads open, and reads behind a key."""
    from api.service import VaksamService

    root = tmp_path_factory.mktemp("fuzz")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("001_111830de3333ceff.txt", "002_8cef23d44c9bc52d.txt"):
        shutil.copy(CORPUS / name, corpus / name)
    # The fuzzer is one very busy client; the limiter has its own tests.
    settings = tiny_settings(tiny_model_dir, root, keys_file=root / "keys.json", rate_limit=0)
    service = VaksamService(settings, encoder=tiny_encoder)
    assert service.ingest([corpus], progress=False).indexed == 2
    key = KeyStore(settings.keys_file).create("fuzz")
    locked = settings.model_copy(update={"read_requires_key": True})
    with (
        LiveServer(create_app(settings=settings, service=service), free_port()) as open_server,
        LiveServer(create_app(settings=locked, service=service), free_port()) as locked_server,
    ):
        yield {
            "anonymous": (open_server.url, {}),
            "with-key": (open_server.url, {"Authorization": f"Bearer {key}"}),
            "reads-need-key": (locked_server.url, {}),
            "service": service,
            "key": key,
        }
    service.close()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("operation", _operations())
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_operation_answers_within_its_schema(fuzz_servers, scenario, operation, mode):
    url, headers = fuzz_servers[scenario]
    schema = schemathesis.openapi.from_url(f"{url}/api/openapi.json")
    method, path = operation.split(" ", 1)
    found = schema[path][method]
    is_upload = operation.endswith("POST /api/v1/documents")
    needs_key = is_upload or method == "DELETE" or (scenario == "reads-need-key" and path.startswith("/api/"))
    statuses: list[int] = []
    strategy = found.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        strategy = strategy.filter(_fits_rules_beyond_the_schema)

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def call(case) -> None:
        excluded = [positive_data_acceptance] if is_upload else []
        response = case.call_and_validate(base_url=url, headers=headers, excluded_checks=excluded)
        statuses.append(response.status_code)
        assert response.status_code < 500, response.text
        if needs_key and scenario != "with-key":
            assert response.status_code in (401, 413, 422), f"a write or locked read answered {response.status_code}"
        if is_upload and scenario == "with-key" and mode is GenerationMode.POSITIVE:
            assert response.status_code in {200, 201} | UPLOAD_REFUSALS, response.text

    try:
        call()
    except Unsatisfiable:
        pytest.skip(f"nothing in the schema of {operation} can be made invalid")
    assert statuses, "no request was generated"


def test_the_schema_declares_who_needs_a_key(fuzz_servers):
    """Writes carry a security requirement in the schema, so clients (and the fuzzer's auth check) know."""
    import httpx

    url, _ = fuzz_servers["anonymous"]
    paths = httpx.get(f"{url}/api/openapi.json").json()["paths"]
    assert paths["/api/v1/documents"]["post"]["security"] == [{"bearer": []}, {"apiKey": []}]
    assert "security" in paths["/api/v1/documents/{document_id}"]["delete"]
    assert "security" not in paths["/api/v1/search"]["get"]
    locked, _ = fuzz_servers["reads-need-key"]
    assert "security" in httpx.get(f"{locked}/api/openapi.json").json()["paths"]["/api/v1/search"]["get"]


def test_the_fuzzer_catches_a_response_that_breaks_its_schema():
    """The harness can fail: a route whose answer contradicts its own schema is caught."""
    from fastapi import FastAPI
    from pydantic import BaseModel

    class Count(BaseModel):
        count: int

    broken = FastAPI(openapi_url="/api/openapi.json")

    @broken.get("/api/count", responses={200: {"model": Count}})
    def count(q: str) -> dict:
        return {"count": "many"} if len(q) > 3 else {"count": len(q)}

    with LiveServer(broken, free_port()) as server:
        found = schemathesis.openapi.from_url(f"{server.url}/api/openapi.json")["/api/count"]["GET"]

        @hypothesis_settings(max_examples=50, deadline=None, derandomize=True, database=None)
        @given(found.as_strategy())
        def call(case) -> None:
            case.call_and_validate(base_url=server.url)

        with pytest.raises(BaseException) as caught:  # schemathesis raises an exception group
            call()
    assert "Response violates schema" in "".join(traceback.format_exception(caught.value))
