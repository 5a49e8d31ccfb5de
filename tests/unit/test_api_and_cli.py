import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli_app
from api.settings import get_settings
from tests.conftest import ONE_DOCUMENT_TEXT as TEXT


@pytest.fixture
def client(indexed):
    with TestClient(create_app(service=indexed)) as c:
        yield c


def test_search_shape(client):
    body = client.get("/api/search", params={"q": "socioekologisk modell", "limit": 3}).json()
    assert set(body) >= {"query", "took_ms", "total", "hits"}
    hit = body["hits"][0]
    assert set(hit) >= {"id", "score", "text", "snippet", "page", "section", "document"}
    assert set(hit["document"]) >= {"id", "title", "source", "language"}
    assert hit["document"]["title"] == "Tjänsteresa till USA"


@pytest.mark.parametrize(
    "params", [{"q": ""}, {"q": "   "}, {"q": "x" * 5000}, {"q": "a", "limit": 0}, {"q": "a", "limit": 101}, {}]
)
def test_bad_queries_are_422_with_a_message(client, params):
    response = client.get("/api/search", params=params)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_documents_passages_and_404s(client):
    docs = client.get("/api/documents").json()
    assert docs["total"] == 1
    doc_id = docs["documents"][0]["id"]
    detail = client.get(f"/api/documents/{doc_id}").json()
    assert detail["passages"] == len(detail["passage_ids"]) >= 1
    passage = client.get(f"/api/passages/{detail['passage_ids'][0]}").json()
    assert passage["document"]["id"] == doc_id and passage["text"] in TEXT or "Tjänsteresa" in passage["text"]
    assert client.get("/api/documents/0123456789abcdef").status_code == 404
    # Ids are hexadecimal and matched in either case.
    assert client.get(f"/api/documents/{doc_id.upper()}").json()["id"] == doc_id
    assert client.get(f"/api/passages/{detail['passage_ids'][0].upper()}").json()["id"] == detail["passage_ids"][0]
    assert "no document" in client.get("/api/documents/0123456789abcdef").json()["detail"]
    assert client.get("/api/passages/00000000-0000-0000-0000-000000000000").status_code == 404
    # Ids of the wrong shape are refused before any lookup, with what the shape should be.
    for path in ("/api/documents/nope", "/api/passages/not-a-uuid", "/api/documents/..%2F..%2Fetc"):
        response = client.get(path)
        assert response.status_code in (404, 422) and "Internal" not in response.text
    assert client.get("/api/documents/nope").status_code == 422
    assert "document_id" in client.get("/api/documents/nope").json()["detail"]


def test_health_and_openapi(client):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["documents"] == 1 and health["backend"] == "edge"
    encoder = health["encoder"]  # what runs the model on this CPU, to tell a CPU's quality from a regression
    assert encoder["backend"] == "onnx-int8" and encoder["precision"] == "int8" and encoder["fallback"] is None
    assert encoder["parity_mean"] >= encoder["parity_floor"] and "7-bit" in encoder["quantization"]
    assert isinstance(encoder["cpu"]["vnni"], bool) and isinstance(encoder["cpu"]["flags"], list)
    schema = client.get("/api/openapi.json").json()
    assert {
        "/api/v1/search",
        "/api/v1/documents",
        "/api/v1/documents/{document_id}",
        "/api/v1/passages/{passage_id}",
        "/healthz",
        "/readyz",
        "/metrics",
    } <= set(schema["paths"])
    assert not any(p.startswith("/api/search") for p in schema["paths"])  # the alias is not documented twice
    assert client.get("/docs").status_code == 200


@pytest.fixture
def cli_env(indexed, monkeypatch):
    settings = indexed.settings
    indexed.close()  # the embedded index allows one process (here: one client) at a time
    monkeypatch.setenv("VAKSAM_EMBEDDING_MODEL", settings.embedding_model)
    monkeypatch.setenv("VAKSAM_QDRANT_PATH", str(settings.qdrant_path))
    monkeypatch.setenv("VAKSAM_PASSAGE_TOKENS", str(settings.passage_tokens))
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_cli_search_json_matches_the_api_shape(cli_env):
    result = CliRunner().invoke(cli_app, ["search", "socioekologisk modell", "--limit", "2", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["hits"][0]["document"]["title"] == "Tjänsteresa till USA"


def test_cli_model_says_what_runs_the_model_on_this_cpu(cli_env, monkeypatch):
    monkeypatch.setenv("VAKSAM_MODEL_DIR", str(cli_env.model_dir))
    get_settings.cache_clear()
    runner = CliRunner()
    text = runner.invoke(cli_app, ["model"])
    assert text.exit_code == 0, text.output
    assert "precision: int8" in text.output and "int8 parity: cosine to fp32" in text.output
    assert "cpu: " in text.output and "int8 kernel: " in text.output and "onnxruntime: " in text.output
    body = json.loads(runner.invoke(cli_app, ["model", "--json"]).stdout)
    assert body["precision"] == "int8" and body["dimension"] == 32 and "vnni" in body["cpu"]


@pytest.mark.parametrize(("trusted", "proxy_headers"), [("", False), ("10.0.0.1", True)])
def test_serve_trusts_forwarded_headers_only_from_named_proxies(cli_env, monkeypatch, trusted, proxy_headers):
    """By default no proxy is trusted: a local process cannot name its own client address (uvicorn
    itself would trust 127.0.0.1 when given no list)."""
    import uvicorn

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    monkeypatch.setenv("VAKSAM_FORWARDED_ALLOW_IPS", trusted)
    monkeypatch.setenv("VAKSAM_LOG_JSON", "false")
    get_settings.cache_clear()
    result = CliRunner().invoke(cli_app, ["serve"])
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is proxy_headers and seen["forwarded_allow_ips"] == (trusted or None)


def test_cli_table_documents_and_errors(cli_env):
    runner = CliRunner()
    table = runner.invoke(cli_app, ["search", "socioekologisk modell"])
    assert table.exit_code == 0 and "Tjänsteresa till USA" in table.output
    docs = runner.invoke(cli_app, ["documents"])
    assert docs.exit_code == 0 and "Tjänsteresa till USA" in docs.output
    empty = runner.invoke(cli_app, ["search", "   "])
    assert empty.exit_code == 2 and "empty" in empty.output


def test_cli_eval_queries(cli_env, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps({"id": "q1", "kind": "concept", "query": "socioekologisk modell", "gold": ["socioekologisk modell"]})
        + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli_app, ["eval", "--queries", str(queries), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["queries"] == 1 and report["metrics"]["hit@5"] == 1.0
    assert set(report["metrics"]) == {"hit@1", "hit@5", "mrr@10", "ndcg@10"}
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json}\n")
    failed = CliRunner().invoke(cli_app, ["eval", "--queries", str(bad)])
    assert failed.exit_code == 2 and "not JSON" in failed.output


def test_cli_eval_counts_judged_strings_beside_the_gold(cli_env, tmp_path):
    """A passage that answers in other words than the gold string counts only in the judged report."""
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps({"id": "q1", "query": "socioekologisk modell", "gold": ["a string no passage holds"]}) + "\n",
        encoding="utf-8",
    )
    judgments = tmp_path / "j.jsonl"
    judgments.write_text(
        json.dumps({"set": "q", "id": "q1", "also": ["socioekologisk modell"]})
        + "\n"
        # a judgment of another question file is ignored when this one is judged
        + json.dumps({"set": "other", "id": "x9", "also": []})
        + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli_app, ["eval", "--queries", str(queries), "--judgments", str(judgments), "--json"])
    assert result.exit_code == 0, result.output
    gold, judged = json.loads(result.stdout)
    assert gold["name"].endswith("[hybrid]") and gold["metrics"]["mrr@10"] == 0.0
    assert judged["name"].endswith("[hybrid, judged]") and judged["metrics"]["hit@5"] == 1.0
    compared = CliRunner().invoke(
        cli_app, ["eval", "--queries", str(queries), "--judgments", str(judgments), "--compare", "--json"]
    )
    assert compared.exit_code == 0, compared.output
    rows = {r["name"].split(" [")[1].rstrip("]"): r for r in json.loads(compared.stdout)}
    modes = ("dense", "sparse", "hybrid", "hybrid without late-interaction")  # the default reranker left out
    assert set(rows) == {*modes, *(f"{m}, judged" for m in modes)}
    # each mode against the hybrid report judged the same way; hybrid has no p of its own
    assert rows["hybrid"]["p_mrr_vs_hybrid"] is None and rows["hybrid, judged"]["p_mrr_vs_hybrid"] is None
    assert rows["dense"]["p_mrr_vs_hybrid"] == 1.0  # no question differs: nothing relevant either way


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"set": "q", "id": "q2", "also": []}', "does not hold: q2"),
        ('{"set": "q", "id": "q1"}', "an 'also' list"),
        ('{"set": "q", "id": "q1", "also": [""]}', "non-empty strings"),
        ('{"set": "q", "id": "q1", "also": []}\n{"set": "q", "id": "q1", "also": []}', "judged twice"),
    ],
)
def test_cli_eval_rejects_a_bad_judgments_file(cli_env, tmp_path, line, message):
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"id": "q1", "query": "modell", "gold": ["modell"]}) + "\n", encoding="utf-8")
    judgments = tmp_path / "j.jsonl"
    judgments.write_text(line + "\n", encoding="utf-8")
    failed = CliRunner().invoke(cli_app, ["eval", "--queries", str(queries), "--judgments", str(judgments)])
    assert failed.exit_code == 2 and message in failed.output
    alone = CliRunner().invoke(cli_app, ["eval", "--beir", str(tmp_path), "--judgments", str(judgments)])
    assert alone.exit_code == 2 and "--judgments judges a --queries file" in alone.output


@pytest.mark.parametrize("bad", ["year_from=2020&year_to=2010", "year_from=1500", "limit=0"])
def test_bad_filters_are_422_with_a_message(client, bad):
    response = client.get(f"/api/search?q=våld&{bad}")
    assert response.status_code == 422 and response.json()["detail"]


def test_filters_and_facets(client):
    assert client.get("/api/search", params={"q": "resa", "program": "socioekologiska-modellen"}).json()["hits"]
    assert client.get("/api/search", params={"q": "resa", "program": "mvp"}).json()["hits"] == []
    assert client.get("/api/search", params={"q": "resa", "type": "rapport"}).json()["hits"] == []
    body = client.get("/api/facets", params={"q": "socioekologisk modell"}).json()
    programs = {f["value"]: f for f in body["facets"]["programs"]}
    assert programs["socioekologiska-modellen"]["count"] == 1
    assert programs["socioekologiska-modellen"]["label"] == "Socioekologiska modellen"
    whole = client.get("/api/facets").json()
    assert whole["query"] is None and whole["facets"]["language"]


def test_documents_show_status_and_metadata(client):
    docs = client.get("/api/documents").json()["documents"]
    assert docs[0]["status"] == "indexed" and docs[0]["programs"] == ["socioekologiska-modellen"]
    assert "signature" not in docs[0]
    assert client.get("/api/documents", params={"status": "failed"}).json()["total"] == 0
    assert client.get("/api/documents", params={"status": "bogus"}).status_code == 422


def test_cli_filters_and_facets(cli_env):
    runner = CliRunner()
    kept = runner.invoke(cli_app, ["search", "resa", "--program", "socioekologiska-modellen", "--json"])
    assert kept.exit_code == 0 and json.loads(kept.stdout)["hits"]
    gone = runner.invoke(cli_app, ["search", "resa", "--program", "mvp", "--json"])
    assert gone.exit_code == 0 and json.loads(gone.stdout)["hits"] == []
    bad = runner.invoke(cli_app, ["search", "resa", "--year-from", "2020", "--year-to", "2010"])
    assert bad.exit_code == 2 and "after year_to" in bad.output
    facets = runner.invoke(cli_app, ["facets", "socioekologisk modell"])
    assert facets.exit_code == 0 and "Socioekologiska modellen (1)" in facets.output
    docs = runner.invoke(cli_app, ["documents", "--json"])
    assert json.loads(docs.stdout)[0]["status"] == "indexed"


def test_cli_check_finds_what_a_crash_leaves(cli_env):
    from qdrant_client import models

    from search.store import STAGED, STATE, QdrantStore

    runner = CliRunner()
    clean = runner.invoke(cli_app, ["check"])
    assert clean.exit_code == 0 and "index consistent" in clean.output
    store = QdrantStore.from_settings(cli_env)
    doc = store.list_documents()[0]
    passage = store.document_passages(doc.id)[0]
    store.engine.set_payload(store.collection, {STATE: STAGED}, [passage.id])  # an interrupted swap
    store.engine.delete(store.documents_collection, models.Filter())  # and a lost record
    store.close()
    found = runner.invoke(cli_app, ["check"])
    assert found.exit_code == 1 and "left staged" in found.output
    repaired = runner.invoke(cli_app, ["ingest", str(cli_env.qdrant_path.parent / "corpus"), "--no-progress"])
    assert repaired.exit_code == 0, repaired.output
    assert runner.invoke(cli_app, ["check"]).exit_code == 0
