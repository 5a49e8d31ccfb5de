"""Real public documents from ../shared/corpus/real: routines with front matter, regeringen.se pages."""

import shutil

import pytest

from tests.conftest import SHARED

REAL = SHARED / "corpus" / "real"


@pytest.fixture(scope="module")
def real_service(e5_encoder, tmp_path_factory):
    from api.service import VaksamService
    from search.settings import Settings

    folder = tmp_path_factory.mktemp("real")
    routines = sorted((REAL / "botkyrka_rutiner").glob("*.md"))[:6]
    for path in routines:
        shutil.copy(path, folder / path.name)
    # A slice of the regeringen.se crawl, keeping its folder layout and manifest.
    gov = folder / "regeringen"
    pages = sorted((REAL / "regeringen" / "pressmeddelanden").rglob("*.md"))[:4]
    pages += sorted((REAL / "regeringen" / "regeringsuppdrag").rglob("*.md"))[:2]
    for page in pages:
        target = gov / page.relative_to(REAL / "regeringen")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(page, target)
    shutil.copy(REAL / "regeringen" / "_index.jsonl", gov / "_index.jsonl")
    service = VaksamService(Settings(qdrant_path=folder / "idx", _env_file=None), encoder=e5_encoder)
    summary = service.ingest([folder], progress=False)
    assert not summary.failed, summary.render()
    yield service
    service.close()


def test_routines_keep_front_matter_metadata(real_service):
    routines = [d for d in real_service.documents() if "botkyrka" in (d.source_url or "")]
    assert len(routines) >= 4
    for doc in routines:
        assert doc.source_url.startswith("https://") and doc.document_type in ("rutin", None)
        assert doc.status in ("indexed", "duplicate")
    assert any(d.document_type == "rutin" for d in routines)


def test_government_pages_get_url_title_type_and_organisation(real_service):
    gov = [d for d in real_service.documents() if (d.source_url or "").startswith("https://www.regeringen.se/")]
    assert len(gov) == 6
    for doc in gov:
        assert doc.organisation == "Regeringskansliet" and doc.year and doc.year >= 2000
        assert doc.document_type in ("pressmeddelande", "regeringsuppdrag")
    facets = real_service.facets(None)
    assert facets["organisation"]["Regeringskansliet"] == 6
