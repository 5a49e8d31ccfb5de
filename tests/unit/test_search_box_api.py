"""The search box's layer over HTTP and the command line: suggestions, "Menade du", synonyms,
paging, sorting, recency, organisation time lines and notices, each with its 422s."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli_app
from api.settings import get_settings
from tests.conftest import tiny_settings

DOCUMENTS = {
    "beslut.md": "---\ntitle: Beslut om trygghetsvandringar\ndate: 2017-09-21\norganisation: Botkyrka kommun\n---\n"
    "# Trygghetsvandringar i Alby\n\nKommunstyrelsen beslutar att genomföra trygghetsvandringar i Alby. "
    "Dnr KS/2017:290.\n\n# Våldsprevention\n\nVåldsprevention i skolan följer den socioekologiska modellen.\n",
    "rapport.md": "---\ntitle: Rapport om våldsprevention\ndate: 2021-03-01\norganisation: Botkyrka kommun\n---\n"
    "# Uppföljning\n\nRapporten följer upp trygghetsvandringarna, Dnr KS/2017:290. Deltagarna var nöjda.\n\n"
    "# Hedersrelaterat våld och förtryck\n\nSkolan utbildar personal om hedersrelaterat våld och förtryck.\n",
    "rutin.md": "---\ntitle: Rutin vid våld i nära relationer\ndate: 2024-05-01\norganisation: Huddinge kommun\n---\n"
    "# Rutin\n\nPersonalen frågar om våld i nära relationer vid varje besök. Våldsprevention är allas ansvar.\n",
}


@pytest.fixture(scope="module")
def box(tmp_path_factory, tiny_model_dir, tiny_encoder):
    from api.service import VaksamService

    root = tmp_path_factory.mktemp("search-box")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in DOCUMENTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    synonyms = root / "synonyms.txt"
    synonyms.write_text("hedersvåld, hedersrelaterat våld och förtryck\nVIN => våld i nära relationer\n")
    settings = tiny_settings(tiny_model_dir, root, synonyms_file=synonyms, rate_limit=0)
    service = VaksamService(settings, encoder=tiny_encoder)
    assert service.ingest([corpus], progress=False).indexed == 3
    yield service
    service.close()


@pytest.fixture(scope="module")
def client(box):
    with TestClient(create_app(service=box)) as c:
        yield c


def test_suggest_completes_titles_headings_and_words(client):
    body = client.get("/api/v1/suggest", params={"q": "tryggh"}).json()
    assert body["query"] == "tryggh" and body["took_ms"] >= 0
    texts = [s["text"] for s in body["suggestions"]]
    assert "Trygghetsvandringar i Alby" in texts and "trygghetsvandringar" in texts
    kinds = {s["kind"] for s in body["suggestions"]}
    assert kinds <= {"program", "title", "heading", "term"} and {"heading", "term"} <= kinds
    folded = client.get("/api/v1/suggest", params={"q": "vald i nara", "limit": 3}).json()["suggestions"]
    assert folded and len(folded) <= 3 and "våld i nära relationer" in folded[0]["text"].lower()
    assert client.get("/api/v1/suggest", params={"q": "t"}).json()["suggestions"] == []


@pytest.mark.parametrize(
    "params", [{}, {"q": ""}, {"q": "x" * 201}, {"q": "trygg", "limit": 0}, {"q": "trygg", "limit": 21}]
)
def test_bad_suggest_requests_are_422_with_a_message(client, params):
    response = client.get("/api/v1/suggest", params=params)
    assert response.status_code == 422 and response.json()["detail"]


def test_did_you_mean_offers_the_corrected_query_and_the_lexical_search_tolerates_the_typo(client):
    body = client.get("/api/v1/search", params={"q": "trygghetsvandrinagr", "limit": 3}).json()
    assert body["did_you_mean"] == {
        "text": "trygghetsvandringar",
        "words": {"trygghetsvandrinagr": "trygghetsvandringar"},
    }
    assert body["expansion"]["corrections"] == {"trygghetsvandrinagr": "trygghetsvandringar"}
    assert body["hits"] and any("rygghetsvandring" in h["text"] for h in body["hits"])
    marked = [h["text"][a:b] for h in body["hits"] for a, b in h["text_highlights"]]
    assert any(m.lower().startswith("trygghetsvandring") for m in marked)  # the corrected word is marked
    clean = client.get("/api/v1/search", params={"q": "trygghetsvandringar"}).json()
    assert clean["did_you_mean"] is None and clean["expansion"] is None


def test_synonyms_widen_the_lexical_query_and_are_marked_in_the_hits(client):
    # the lexical signal alone: the tiny model's random vectors must not decide the order
    body = client.get("/api/v1/search", params={"q": "hedersvåld", "limit": 3, "mode": "sparse"}).json()
    assert body["expansion"]["synonyms"] == [{"matched": "hedersvåld", "added": ["hedersrelaterat våld och förtryck"]}]
    top = body["hits"][0]
    assert "hedersrelaterat" in top["text"].lower()
    assert any(top["text"][a:b].lower().startswith("hedersrelaterat") for a, b in top["text_highlights"])


def test_paging_gives_the_next_hits_without_repeats(client):
    first = client.get("/api/v1/search", params={"q": "våldsprevention", "limit": 2}).json()
    assert first["offset"] == 0 and first["has_more"] is True and len(first["hits"]) == 2
    second = client.get("/api/v1/search", params={"q": "våldsprevention", "limit": 2, "offset": 2}).json()
    assert second["offset"] == 2 and second["hits"]
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    whole = client.get("/api/v1/search", params={"q": "våldsprevention", "limit": 4}).json()
    assert [h["id"] for h in whole["hits"]] == [h["id"] for h in first["hits"] + second["hits"]][:4]
    last = client.get("/api/v1/search", params={"q": "våldsprevention", "limit": 50, "offset": 0}).json()
    assert last["has_more"] is False


def test_sorting_by_date_puts_the_newest_relevant_document_first(client):
    body = client.get("/api/v1/search", params={"q": "våld", "sort": "date", "limit": 10}).json()
    assert body["sort"] == "date"
    dates = [h["document"]["date"] for h in body["hits"]]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2024-05-01"
    recent = client.get("/api/v1/search", params={"q": "våld", "recency": 1}).json()
    assert all("recency" in h["signals"] for h in recent["hits"])


def test_group_by_organisation_gives_time_lines_linked_by_diarienummer(client):
    body = client.get("/api/v1/search", params={"q": "trygghetsvandringar", "group_by": "organisation"}).json()
    groups = {g["organisation"]: g for g in body["organisations"]}
    botkyrka = groups["Botkyrka kommun"]
    titles = [e["document"]["title"] for e in botkyrka["documents"]]
    assert titles == ["Beslut om trygghetsvandringar", "Rapport om våldsprevention"]  # oldest first
    decision, report = botkyrka["documents"]
    assert decision["related"] == [report["document"]["id"]]
    assert "KS/2017:290" in decision["document"]["diarienummer"]
    assert body["groups"] is None and body["hits"]


def test_a_search_that_finds_nothing_says_what_to_try(client):
    body = client.get("/api/v1/search", params={"q": "våldsprevention", "year_from": 2090}).json()
    assert body["hits"] == [] and body["confidence"] == "none"
    assert body["notice"]["message"].startswith("Inga träffar")
    assert body["notice"]["suggestions"][0]["remove_filters"] == ["year_from"]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "våld", "offset": -1},
        {"q": "våld", "offset": 501},
        {"q": "våld", "sort": "newest"},
        {"q": "våld", "recency": 2},
        {"q": "våld", "recency": "much"},
        {"q": "våld", "group_by": "kommun"},
    ],
)
def test_bad_paging_sorting_and_grouping_are_422_with_a_message(client, params):
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail and list(params)[-1] in detail
    if "sort" in params:
        assert "relevance" in detail and "date" in detail  # the valid values are listed


def test_the_cli_suggests_and_pages(box, monkeypatch):
    monkeypatch.setattr("api.cli._service", lambda: _Reopened(box))
    runner = CliRunner()
    out = runner.invoke(cli_app, ["suggest", "tryggh"])
    assert out.exit_code == 0 and "Trygghetsvandringar i Alby  (rubrik)" in out.output
    as_json = json.loads(runner.invoke(cli_app, ["suggest", "tryggh", "--json", "-n", "2"]).output)
    assert len(as_json) == 2 and {"text", "kind", "weight"} <= set(as_json[0])
    out = runner.invoke(cli_app, ["search", "trygghetsvandrinagr", "-n", "1"])
    assert out.exit_code == 0 and "Menade du: trygghetsvandringar?" in out.output
    assert "fler med --offset 1" in out.output
    out = runner.invoke(cli_app, ["search", "trygghetsvandringar", "--group-by", "organisation"])
    assert out.exit_code == 0 and "2017-09-21  Beslut om trygghetsvandringar" in out.output
    out = runner.invoke(cli_app, ["search", "våld", "--sort", "newest"])
    assert out.exit_code == 2 and "date" in out.output
    out = runner.invoke(cli_app, ["suggest", "x" * 300])
    assert out.exit_code == 2 and "200" in out.output


class _Reopened:
    """The module's service, left open when the command closes it."""

    def __init__(self, service):
        self._service = service

    def __getattr__(self, name):
        return getattr(self._service, name)

    def close(self) -> None:
        pass


def test_settings_name_the_synonym_file(monkeypatch):
    monkeypatch.setenv("VAKSAM_SYNONYMS_FILE", "")
    get_settings.cache_clear()
    try:
        assert get_settings().synonyms_file is None
    finally:
        get_settings.cache_clear()


def test_cite_gives_a_swedish_reference_list_csl_json_and_ris(client):
    hit = client.get("/api/v1/search", params={"q": "beslutar att genomföra trygghetsvandringar"}).json()["hits"][0]
    assert hit["document"]["title"] == "Beslut om trygghetsvandringar"
    text = client.get("/api/v1/cite", params={"ids": [hit["id"], hit["id"]], "read": "2026-12-01"})
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    line = text.text.strip()
    assert line.count("\n") == 0  # the same passage twice is one reference
    assert line.startswith("Botkyrka kommun (2017). Beslut om trygghetsvandringar. Dnr KS/2017:290.")
    assert f"/?passage={hit['id']} (hämtad 2026-12-01)." in line
    # Without VAKSAM_PUBLIC_URL the permalink is relative: a forged Host header never reaches it,
    # and an id in upper case is the same passage.
    forged = client.get(
        "/api/v1/cite", params={"ids": hit["id"].upper(), "read": "2026-12-01"}, headers={"Host": "evil.example"}
    )
    assert forged.status_code == 200 and "evil.example" not in forged.text
    assert f" /?passage={hit['id']} (hämtad 2026-12-01)." in forged.text
    csl = client.get("/api/v1/cite", params={"ids": hit["id"], "format": "csl-json", "read": "2026-12-01"})
    item = csl.json()[0]
    assert csl.headers["content-type"].startswith("application/vnd.citationstyles.csl+json")
    assert item["author"] == [{"literal": "Botkyrka kommun"}] and item["issued"] == {"date-parts": [[2017, 9, 21]]}
    assert item["number"] == "KS/2017:290" and item["accessed"] == {"date-parts": [[2026, 12, 1]]}
    ris = client.get("/api/v1/cite", params={"ids": hit["id"], "format": "ris", "download": "true"})
    assert ris.text.startswith("TY  - ") and "\nAU  - Botkyrka kommun\n" in ris.text and ris.text.endswith("ER  - \n")
    assert ris.headers["content-disposition"] == 'attachment; filename="vaksam-referenser.ris"'


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 422),
        ({"ids": "not-a-uuid"}, 422),
        ({"ids": "00000000-0000-0000-0000-000000000000"}, 404),
        ({"ids": "00000000-0000-0000-0000-000000000000", "format": "bibtex"}, 422),
        ({"ids": "00000000-0000-0000-0000-000000000000", "read": "igår"}, 422),
        ({"ids": [f"00000000-0000-0000-0000-{i:012d}" for i in range(101)]}, 422),
    ],
)
def test_bad_citation_requests_say_what_is_wrong(client, params, status):
    response = client.get("/api/v1/cite", params=params)
    assert response.status_code == status and response.json()["detail"]


def test_permalinks_survive_re_indexing_an_unchanged_file(box, client):
    hits = client.get("/api/v1/search", params={"q": "trygghetsvandringar", "limit": 5}).json()["hits"]
    before = {h["id"]: h["text"] for h in hits}
    folder = {d.source.rsplit("/", 1)[0] for d in box.documents()}.pop()
    box.ingest([Path(folder)], progress=False, rebuild=True)  # a new index, same files
    box.close()
    for passage_id, text in before.items():
        found = client.get(f"/api/v1/passages/{passage_id}")
        assert found.status_code == 200 and found.json()["text"] == text


def test_query_statistics_are_off_unless_turned_on(client, tmp_path, box):
    assert client.get("/api/v1/stats/queries").status_code == 401  # an API key, always
    from api.keys import KeyStore

    key = KeyStore(box.settings.keys_file).create("admin")
    off = client.get("/api/v1/stats/queries", headers={"X-API-Key": key})
    assert off.status_code == 404 and "VAKSAM_QUERY_STATS" in off.json()["detail"]


def test_query_statistics_count_searches_and_keep_only_weak_questions(box, tmp_path):
    from api.keys import KeyStore

    settings = box.settings.model_copy(update={"query_stats": True, "query_stats_file": tmp_path / "stats.sqlite"})
    key = KeyStore(settings.keys_file).create("statistics")
    with TestClient(create_app(settings=settings, service=box)) as c:
        c.get("/api/v1/search", params={"q": "trygghetsvandringar"})
        c.get("/api/v1/search", params={"q": "Trygghetsvandringar", "year_from": 2090})  # nothing found
        c.get("/api/v1/search", params={"q": "trygghetsvandringar  ", "year_from": 2090})
        c.get("/api/v1/search", params={"q": "trygghetsvandringar", "offset": 10})  # a next page: not counted
        body = c.get("/api/v1/stats/queries", headers={"Authorization": f"Bearer {key}"}).json()
        assert body["searches"] == 3 and body["no_hits"] == 2 and body["days"] == 30
        assert body["queries"][0]["query"] == "trygghetsvandringar" and body["queries"][0]["no_hits"] == 2
        assert c.get("/api/v1/stats/queries", params={"days": 0}, headers={"X-API-Key": key}).status_code == 422
    assert (tmp_path / "stats.sqlite").exists()


def test_query_statistics_forget_days_past_the_retention(tmp_path):
    from datetime import date

    from api.query_stats import QueryStats

    stats = QueryStats(tmp_path / "s.sqlite", days=2)
    stats.record("Hur bakar man kanelbullar?", hits=10, confidence="low", today=date(2026, 1, 1))
    stats.record("Rutin vid våld", hits=3, confidence="high", today=date(2026, 1, 2))
    stats.record("Vad är MVP?", hits=0, confidence="none", today=date(2026, 1, 3))
    summary = stats.summary(today=date(2026, 1, 3))
    assert (summary.searches, summary.no_hits, summary.weak) == (2, 1, 0)
    assert [q["query"] for q in summary.queries] == ["vad ar mvp?"]  # folded; the weak one is gone with its day
    assert stats.summary(days=1, today=date(2026, 1, 3)).searches == 1


def test_the_cli_cites(box, monkeypatch):
    monkeypatch.setattr("api.cli._service", lambda: _Reopened(box))
    hit = box.search("beslutar att genomföra trygghetsvandringar", 1).hits[0]
    out = CliRunner().invoke(cli_app, ["cite", hit.id, "--read", "2026-12-01"])
    assert out.exit_code == 0 and out.output.startswith("Botkyrka kommun (2017). Beslut om trygghetsvandringar.")
    out = CliRunner().invoke(cli_app, ["cite", hit.id, "-f", "ris"])
    assert out.exit_code == 0 and "ER  - " in out.output
    out = CliRunner().invoke(cli_app, ["cite", "00000000-0000-0000-0000-000000000000"])
    assert out.exit_code == 1 and "no passage" in out.output
