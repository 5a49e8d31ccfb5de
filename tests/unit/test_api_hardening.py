"""The API facing an intranet: keys, uploads and deletes, CORS, limits, headers, metrics, errors."""

import json
import stat

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.keys import KeyFileError, KeyStore
from api.protection import RateLimiter

HOSTILE = (
    "Rutin för hot och våld\n\n"
    'Vid hot ring larmcentralen. <script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2">\n'
)


def _client(service, **changes):
    settings = service.settings.model_copy(update=changes)
    service.settings = settings
    return TestClient(create_app(settings=settings, service=service))


@pytest.fixture
def key(indexed):
    return KeyStore(indexed.settings.keys_file).create("intranet")


def test_keys_are_hashed_at_rest_and_can_be_revoked(tmp_path):
    keys = KeyStore(tmp_path / "k" / "keys.json")
    secret = keys.create("intranet")
    other = keys.create("ci")
    stored = (tmp_path / "k" / "keys.json").read_text()
    assert secret not in stored and secret[:7] in stored
    assert stat.S_IMODE((tmp_path / "k" / "keys.json").stat().st_mode) == 0o600
    assert keys.verify(secret).name == "intranet" and keys.verify(other).name == "ci"
    assert keys.verify(secret + "x") is None and keys.verify("") is None and keys.verify(None) is None
    keys.revoke("intranet")
    assert keys.verify(secret) is None and keys.verify(other).name == "ci"
    with pytest.raises(KeyFileError, match="exists"):
        keys.create("ci")
    with pytest.raises(KeyFileError, match="no key named"):
        keys.revoke("nobody")
    (tmp_path / "k" / "keys.json").write_text("{not json")
    with pytest.raises(KeyFileError, match="cannot be read"):
        keys.verify(other)


def test_rate_limiter_refills_over_time():
    limiter = RateLimiter(per_minute=60, burst=2)
    assert limiter.take("a", now=0)[0] and limiter.take("a", now=0)[0]
    allowed, wait = limiter.take("a", now=0)
    assert not allowed and wait == 1
    assert limiter.take("b", now=0)[0]  # one client's bucket is its own
    assert limiter.take("a", now=1.0)[0]


def test_writes_need_a_key(indexed):
    with _client(indexed) as client:
        response = client.post("/api/v1/documents", files={"file": ("a.txt", b"Text om trygghet i skolan.")})
        assert response.status_code == 401
        assert "vaksam keys create" in response.json()["detail"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        doc_id = client.get("/api/v1/documents").json()["documents"][0]["id"]
        assert client.delete(f"/api/v1/documents/{doc_id}", headers={"X-API-Key": "vk_wrong"}).status_code == 401


def test_upload_search_replace_and_delete(indexed, key):
    auth = {"Authorization": f"Bearer {key}"}
    with _client(indexed) as client:
        body = b"Trygghetsvandring i Alby\n\nKommunen genomforde en trygghetsvandring i Alby med boende och polis."
        created = client.post("/api/v1/documents", files={"file": ("vandring.txt", body)}, headers=auth)
        assert created.status_code == 201, created.text
        doc = created.json()["document"]
        assert doc["status"] == "indexed" and created.json()["passages"] >= 1
        hits = client.get("/api/v1/search", params={"q": "trygghetsvandring Alby", "mode": "sparse"}).json()["hits"]
        assert hits[0]["document"]["id"] == doc["id"]
        again = client.post("/api/v1/documents", files={"file": ("vandring.txt", body)}, headers=auth)
        assert again.status_code == 200 and again.json()["created"] is False
        uploaded = indexed.settings.uploads_dir / "vandring.txt"
        assert uploaded.is_file()
        assert client.delete(f"/api/v1/documents/{doc['id']}", headers=auth).status_code == 204
        assert not uploaded.exists()
        assert client.get(f"/api/v1/documents/{doc['id']}").status_code == 404
        assert client.delete(f"/api/v1/documents/{doc['id']}", headers=auth).status_code == 404
        assert client.get("/api/v1/documents").json()["total"] == 1  # the other document is untouched


def test_bad_uploads_are_refused_without_harm(indexed, key):
    auth = {"X-API-Key": key}
    with _client(indexed, max_upload_mb=0.001) as client:
        assert client.post("/api/v1/documents", files={"file": ("x.exe", b"MZ")}, headers=auth).status_code == 415
        empty = client.post("/api/v1/documents", files={"file": ("tom.txt", b"")}, headers=auth)
        assert empty.status_code == 422 and "empty" in empty.json()["detail"]
        big = client.post("/api/v1/documents", files={"file": ("stor.txt", b"ord " * 2000)}, headers=auth)
        assert big.status_code == 413
        broken = client.post("/api/v1/documents", files={"file": ("trasig.pdf", b"%PDF-1.4 nonsense")}, headers=auth)
        assert broken.status_code == 422 and "trasig.pdf" in broken.json()["detail"]
        assert client.get("/api/v1/documents").json()["total"] == 1
        assert not [p for p in indexed.settings.uploads_dir.iterdir() if p.name != ".keep"]


def test_hostile_text_comes_back_as_text(indexed, key):
    with _client(indexed) as client:
        created = client.post(
            "/api/v1/documents", files={"file": ("rutin.txt", HOSTILE.encode())}, headers={"X-API-Key": key}
        )
        assert created.status_code == 201
        hit = client.get("/api/v1/search", params={"q": "larmcentralen hot", "mode": "sparse"}).json()["hits"][0]
        assert "<script>" in hit["text"]  # stored and returned verbatim; pages insert it as text


def test_reads_can_require_a_key(indexed, key):
    with _client(indexed, read_requires_key=True) as client:
        assert client.get("/api/v1/search", params={"q": "modell"}).status_code == 401
        ok = client.get("/api/v1/search", params={"q": "modell"}, headers={"X-API-Key": key})
        assert ok.status_code == 200
        assert client.get("/healthz").status_code == 200  # operations stay open for probes


def test_cors_only_for_allowed_origins(indexed):
    with _client(indexed, cors_origins=["https://intranet.example"]) as client:
        allowed = client.get("/api/v1/search", params={"q": "modell"}, headers={"Origin": "https://intranet.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://intranet.example"
        other = client.get("/api/v1/search", params={"q": "modell"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = client.options(
            "/api/v1/documents",
            headers={
                "Origin": "https://intranet.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]
    with _client(indexed) as client:  # default: same origin only
        response = client.get("/api/v1/search", params={"q": "modell"}, headers={"Origin": "https://a.example"})
        assert "access-control-allow-origin" not in response.headers


def test_rate_limit_answers_429_with_retry_after(indexed):
    with _client(indexed, rate_limit=10) as client:
        codes = [client.get("/api/v1/documents").status_code for _ in range(12)]
        assert codes[:10] == [200] * 10 and codes[-1] == 429
        refused = client.get("/api/v1/documents")
        assert int(refused.headers["Retry-After"]) >= 1 and "too many" in refused.json()["detail"]
        assert client.get("/healthz").status_code == 200  # only /api is limited
        assert "vaksam_rate_limited_total" in client.get("/metrics").text


def test_security_headers_request_id_and_body_limit(indexed):
    with _client(indexed) as client:
        page = client.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'self'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
        assert echoed.headers["x-request-id"] == "abc-123"
        forged = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
        assert forged.headers["x-request-id"] != "bad id\nwith newline" and len(forged.headers["x-request-id"]) == 32
        big = client.post("/api/v1/search", content=b"x" * 100_000, headers={"Content-Type": "text/plain"})
        assert big.status_code == 413


def test_page_widget_and_static_files(indexed):
    with _client(indexed) as client:
        assert 'lang="sv"' in client.get("/").text
        widget = client.get("/widget.js")
        assert widget.status_code == 200 and "javascript" in widget.headers["content-type"]
        assert len(widget.content) < 20_000 and "customElements.define" in widget.text
        assert widget.headers["cross-origin-resource-policy"] == "cross-origin"
        assert client.get("/static/app.js").status_code == 200
        assert client.get("/static/app.css").status_code == 200
        assert client.get("/static/../api/app.py").status_code == 404


def test_metrics_readiness_and_error_shapes(indexed):
    with _client(indexed) as client:
        client.get("/api/v1/search", params={"q": "modell"})
        client.get("/api/v1/documents/0123456789abcdef")
        metrics = client.get("/metrics").text
        assert 'vaksam_requests_total{method="GET",route="/api/v1/search",status="200"} 1.0' in metrics
        assert 'route="/api/v1/documents/{document_id}",status="404"' in metrics
        assert "vaksam_request_seconds_bucket" in metrics and "vaksam_index_passages" in metrics
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {
            "ready": True,
            "model": True,
            "index": True,
            "detail": None,
        }
        invalid = client.get("/api/v1/search", params={"q": "a", "limit": 0}).json()
        assert "limit" in invalid["detail"] and invalid["errors"][0]["loc"] == ["query", "limit"]
        assert client.get("/api/v1/documents/0123456789abcdef").json() == {
            "detail": "no document with id '0123456789abcdef'"
        }
        alias = client.get("/api/search", params={"q": "modell"}).json()
        assert alias["hits"] == client.get("/api/v1/search", params={"q": "modell"}).json()["hits"]
        schema = client.get("/api/openapi.json").json()
        responses = schema["paths"]["/api/v1/documents"]["post"]["responses"]
        assert {"201", "401", "413", "415", "422", "429"} <= set(responses)
        assert responses["401"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorResponse")


def test_json_log_lines_carry_the_request_id(indexed, caplog):
    import json
    import logging

    from api.observability import ACCESS_LOG, JsonFormatter

    with caplog.at_level(logging.INFO, logger=ACCESS_LOG), _client(indexed) as client:
        client.get("/api/v1/documents/0123456789abcdef", headers={"X-Request-ID": "req-42"})
    record = next(r for r in caplog.records if r.name == ACCESS_LOG and getattr(r, "request_id", "") == "req-42")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42" and line["status"] == 404 and line["level"] == "info"
    assert line["route"] == "/api/v1/documents/{document_id}" and line["path"] == "/api/v1/documents/0123456789abcdef"
    assert isinstance(line["ms"], float)


def test_a_route_that_fails_is_still_counted_logged_and_marked(indexed, caplog, monkeypatch):
    import logging

    from api.observability import ACCESS_LOG

    def broken(*args, **kwargs):
        raise RuntimeError("the index went away")

    monkeypatch.setattr(indexed, "search", broken)
    client = TestClient(create_app(settings=indexed.settings, service=indexed), raise_server_exceptions=False)
    with caplog.at_level(logging.INFO, logger=ACCESS_LOG), client:
        failed = client.get("/api/v1/search", params={"q": "modell"}, headers={"X-Request-ID": "req-500"})
        assert failed.status_code == 500
        metrics = client.get("/metrics").text
    assert 'vaksam_requests_total{method="GET",route="/api/v1/search",status="500"} 1.0' in metrics
    record = next(r for r in caplog.records if r.name == ACCESS_LOG and getattr(r, "request_id", "") == "req-500")
    assert record.status == 500 and record.route == "/api/v1/search"


def test_keys_command_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from api.cli import app as cli_app
    from api.settings import get_settings

    monkeypatch.setenv("VAKSAM_KEYS_FILE", str(tmp_path / "keys.json"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        made = runner.invoke(cli_app, ["keys", "create", "--name", "intranet"])
        assert made.exit_code == 0 and made.stdout.strip().startswith("vk_")
        secret = made.stdout.strip().splitlines()[0]
        assert KeyStore(tmp_path / "keys.json").verify(secret).name == "intranet"
        listed = runner.invoke(cli_app, ["keys", "list"])
        assert "intranet" in listed.stdout and secret not in listed.stdout
        assert runner.invoke(cli_app, ["keys", "create", "--name", "intranet"]).exit_code == 2
        assert runner.invoke(cli_app, ["keys", "revoke", "--name", "intranet"]).exit_code == 0
        assert KeyStore(tmp_path / "keys.json").verify(secret) is None
    finally:
        get_settings.cache_clear()


def test_a_chunked_upload_is_cut_off_at_the_limit_while_it_streams(indexed, key):
    """Without a Content-Length the body is counted as it arrives: the app reads no further than
    the limit (a 13 MB body ends one chunk past it), and the answer is a JSON 413 with the
    security headers and the request id, nothing left in the uploads folder."""
    from concurrent.futures import ThreadPoolExecutor

    import anyio

    settings = indexed.settings.model_copy(update={"max_upload_mb": 0.5, "rate_limit": 0})
    indexed.settings = settings
    app = create_app(settings=settings, service=indexed)
    chunk = b"Text om trygghet. " * 3_600  # ~64 kB
    pulled = 0
    sent: list[dict] = []

    async def endless_body() -> dict:
        nonlocal pulled
        pulled += 1
        if pulled == 1:
            head = b'--grans\r\nContent-Disposition: form-data; name="file"; filename="stor.txt"\r\n\r\n'
            return {"type": "http.request", "body": head, "more_body": True}
        if pulled > 200:  # ~13 MB in all: without the count, all of it reaches the parser's spool
            return {"type": "http.request", "body": b"\r\n--grans--\r\n", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def collect(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/documents",
        "raw_path": b"/api/v1/documents",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"multipart/form-data; boundary=grans"),
            (b"transfer-encoding", b"chunked"),
            (b"x-api-key", key.encode()),
            (b"x-request-id", b"chunked-1"),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {},
    }
    app.state.service = indexed
    # A thread of its own: the browser tests leave an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, app, scope, endless_body, collect).result(timeout=120)
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert start["status"] == 413 and "larger than" in json.loads(body)["detail"]
    assert headers["x-request-id"] == "chunked-1" and "content-security-policy" in headers
    assert pulled * len(chunk) <= 0.5e6 + 64 * 1024 + 2 * len(chunk)  # nothing read far past the limit
    uploads = settings.uploads_dir
    assert not uploads.exists() or not [p for p in uploads.iterdir() if p.name != ".keep"]
