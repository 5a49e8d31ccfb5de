"""Security: no anonymous writes, keys never in logs, uploads stay in their folder, limits hold,
CORS only for allowed origins, and a document's address can never become a script link.

(Stored XSS through document text is proven in the browser: tests/integration/browser.)
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.keys import KeyStore
from tests.conftest import ROOT
from tests.reliability.conftest import server_env
from tests.servers import LiveServer, ServerProcess, free_port

TEXT = "Rutin vid hot och våld. Ring larmcentralen och meddela chefen samma dag."


def _client(service, **changes) -> TestClient:
    settings = service.settings.model_copy(update=changes)
    service.settings = settings
    return TestClient(create_app(settings=settings, service=service))


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_writes_without_a_valid_key_are_refused_and_change_nothing(indexed):
    keys = KeyStore(indexed.settings.keys_file)
    revoked = keys.create("old")
    keys.revoke("old")
    valid = keys.create("intranet")
    doc_id = indexed.documents()[0].id
    attempts = {
        "no key": {},
        "wrong key": {"Authorization": f"Bearer vk_{secrets.token_urlsafe(32)}"},
        "revoked key": {"Authorization": f"Bearer {revoked}"},
        "key without its prefix": {"X-API-Key": valid.removeprefix("vk_")},
        "key in Basic auth": {"Authorization": f"Basic {valid}"},
        "key cut short": {"X-API-Key": valid[:-1]},
        "empty key": {"X-API-Key": ""},
    }
    with _client(indexed, rate_limit=0) as client:
        before = client.get("/api/v1/documents").json()
        for prefix in ("/api/v1", "/api"):
            for what, headers in attempts.items():
                upload = client.post(f"{prefix}/documents", files={"file": ("ny.txt", TEXT.encode())}, headers=headers)
                delete = client.delete(f"{prefix}/documents/{doc_id}", headers=headers)
                query = client.post(f"{prefix}/documents?api_key={valid}", files={"file": ("ny.txt", TEXT.encode())})
                for response in (upload, delete, query):
                    assert response.status_code == 401, f"{what}: {response.status_code}"
                    assert response.headers["WWW-Authenticate"].startswith("Bearer")
        # Refused before the body is read: a broken or oversized body changes nothing for a stranger.
        broken = client.post(
            "/api/v1/documents", content=b"--x\r\ngarbage", headers={"Content-Type": "multipart/form-data; boundary=x"}
        )
        huge = client.post("/api/v1/documents", content=b"x" * 100, headers={"Content-Length": str(10**12)})
        assert broken.status_code == 401 and huge.status_code == 401
        assert client.get("/api/v1/documents").json() == before
        assert not indexed.settings.uploads_dir.exists() or not any(indexed.settings.uploads_dir.iterdir())
        assert client.delete(f"/api/v1/documents/{doc_id}", headers={"X-API-Key": valid}).status_code == 204


HOSTILE_NAMES = [
    "../../evil.txt",
    "..\\..\\evil.txt",
    "/etc/evil.txt",
    "C:\\Windows\\evil.txt",
    "uploads/../../evil.txt",
    "%2e%2e%2fevil.txt",
    "..%2F..%2Fevil.txt",
    "....//....//evil.txt",
    "evil.txt\x00.pdf",
    "\u202etxt.exe.txt",
    "ok\nname.txt",
    ".env.txt",
    "..txt",
    "a" * 400 + ".txt",
    "~/evil.txt",
    "$(touch pwned).txt",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_upload_names_cannot_leave_the_uploads_folder(indexed, tmp_path, name):
    key = KeyStore(indexed.settings.keys_file).create("intranet")
    outside = _tree(tmp_path.parent) - {p for p in _tree(tmp_path.parent) if p.startswith(tmp_path.name)}
    with _client(indexed) as client:
        response = client.post(
            "/api/v1/documents", files={"file": (name, TEXT.encode())}, headers={"Authorization": f"Bearer {key}"}
        )
    assert response.status_code in (201, 415, 422), response.text
    uploads = indexed.settings.uploads_dir
    stored = [p for p in uploads.iterdir() if not p.name.startswith(".upload-")] if uploads.exists() else []
    if response.status_code == 201:
        assert len(stored) == 1
        stored_name = stored[0].name
        assert stored[0].resolve().parent == uploads.resolve()
        assert "/" not in stored_name and "\\" not in stored_name and "\x00" not in stored_name
        assert not stored_name.startswith(".") and len(stored_name) <= 160
        assert all(ch.isprintable() for ch in stored_name)
    else:
        assert stored == []
    now = _tree(tmp_path.parent) - {p for p in _tree(tmp_path.parent) if p.startswith(tmp_path.name)}
    assert now == outside, "a file appeared outside the test's folder"
    assert {p.name for p in tmp_path.iterdir()} <= {"corpus", "index", "models", "uploads", "api-keys.json"}


def test_documents_claiming_a_script_address_get_none(service, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, url in enumerate(
        [
            "javascript:alert(1)",
            "data:text/html,<script>x</script>",
            "JaVaScRiPt:alert(1)",
            "vbscript:x",
            "https://kommun.example/rutin",
        ]
    ):
        (corpus / f"sida{i}.md").write_text(f"---\nsource_url: {url}\n---\n# Rutin {i}\n\n{TEXT} Variant {i}.\n")
    service.ingest([corpus], progress=False)
    addresses = {Path(d.source).name: d.source_url for d in service.documents()}
    assert addresses == {
        "sida0.md": None,
        "sida1.md": None,
        "sida2.md": None,
        "sida3.md": None,
        "sida4.md": "https://kommun.example/rutin",
    }


def test_request_and_upload_size_limits_hold_over_http(indexed):
    key = KeyStore(indexed.settings.keys_file).create("intranet")
    settings = indexed.settings.model_copy(update={"max_upload_mb": 0.05, "max_body_kb": 4, "rate_limit": 0})
    indexed.settings = settings
    auth = {"Authorization": f"Bearer {key}"}
    with LiveServer(create_app(settings=settings, service=indexed), free_port()) as server:
        url = f"{server.url}/api/v1/documents"
        big = ("Text om trygghet. " * 5000).encode()  # 90 kB > 50 kB
        declared = httpx.post(url, files={"file": ("stor.txt", big)}, headers=auth)
        assert declared.status_code == 413

        def chunks():  # no Content-Length: the server must count what arrives
            boundary = b"--vaksamgrans"
            yield boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="stor.txt"\r\n\r\n'
            for _ in range(200):
                yield b"Text om trygghet. " * 100
            yield b"\r\n" + boundary + b"--\r\n"

        streamed = httpx.post(
            url, content=chunks(), headers={**auth, "Content-Type": "multipart/form-data; boundary=vaksamgrans"}
        )
        assert streamed.status_code == 413, streamed.text
        body = httpx.request("GET", f"{server.url}/api/v1/search?q=hot", content=b"x" * 10_000)
        assert body.status_code == 413
        assert httpx.get(f"{server.url}/api/v1/search", params={"q": "hot " * 3_000}).status_code == 422
        for line in (b"GET /api/v1/search?q=" + b"a" * 200_000 + b" HTTP/1.1", b"GET /" + b"../" * 5000 + b" HTTP/1.1"):
            status = _raw_status(server.url, line + b"\r\nHost: x\r\n\r\n")
            assert status in (400, 404, 413, 414, 422, 431), status
        uploads = settings.uploads_dir
        assert not uploads.exists() or [p.name for p in uploads.iterdir()] == []
        fine = httpx.post(url, files={"file": ("liten.txt", TEXT.encode())}, headers=auth)
        assert fine.status_code == 201, fine.text


def _raw_status(url: str, request: bytes) -> int:
    """Send bytes no HTTP client library would (a 200 kB request line) and read the status."""
    import socket

    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        head = sock.recv(4096)
    return int(head.split(b" ", 2)[1])


def test_cors_answers_only_allowed_origins(indexed):
    allowed = "https://intranet.example"
    with _client(indexed, cors_origins=[allowed]) as client:
        for origin, expected in ((allowed, allowed), ("https://evil.example", None), ("null", None)):
            for method in ("GET", "POST", "DELETE"):
                preflight = client.options(
                    "/api/v1/documents",
                    headers={
                        "Origin": origin,
                        "Access-Control-Request-Method": method,
                        "Access-Control-Request-Headers": "authorization",
                    },
                )
                assert preflight.headers.get("access-control-allow-origin") == expected, (origin, method)
            plain = client.get("/api/v1/search", params={"q": "hot"}, headers={"Origin": origin})
            assert plain.headers.get("access-control-allow-origin") == expected
            assert plain.headers.get("access-control-allow-credentials") is None


@pytest.fixture
def logged_server(tmp_path, tiny_encoder, ingest_child):
    """`vaksam serve` in its own process with one key, its log captured."""
    keys = tmp_path / "keys.json"
    key = KeyStore(keys).create("intranet")
    # Rate limits on, and a trusted proxy that is not the test client.
    env = server_env(
        tiny_encoder.name, ingest_child.model_dir, tmp_path, keys, rate_limit="60", forwarded_allow_ips="10.9.9.9"
    )
    log = tmp_path / "server.log"
    with ServerProcess(env, free_port(), log, ROOT) as server:
        yield server, key, log


def test_keys_never_reach_the_log_and_rate_limits_hold(logged_server):
    server, key, log = logged_server
    wrong = f"vk_{secrets.token_urlsafe(32)}"
    with httpx.Client(base_url=server.url, timeout=60) as http:
        created = http.post(
            "/api/v1/documents",
            files={"file": ("rutin.txt", TEXT.encode())},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert created.status_code == 201, created.text
        doc_id = created.json()["document"]["id"]
        assert (
            http.post(
                "/api/v1/documents", files={"file": ("b.txt", TEXT.encode())}, headers={"X-API-Key": wrong}
            ).status_code
            == 401
        )
        assert http.get("/api/v1/search", params={"q": "hot", "api_key": key}).status_code == 200
        assert http.delete(f"/api/v1/documents/{doc_id}", headers={"X-API-Key": key}).status_code == 204
        # Rate limit: a burst from one client, and a forged X-Forwarded-For from an untrusted peer
        # must not buy a fresh allowance per request.
        statuses = [
            http.get("/api/v1/search", params={"q": "hot"}, headers={"X-Forwarded-For": f"10.0.0.{i}"})
            for i in range(40)
        ]
    refused = [r for r in statuses if r.status_code == 429]
    assert len(refused) >= 20 and all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    assert {r.status_code for r in statuses} <= {200, 429}
    time.sleep(0.5)  # the log is written by the server process
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "document uploaded" in text or "/api/v1/documents" in text  # the log is really there
    for secret in (key, wrong, key[3:], wrong[3:]):
        assert secret not in text, "an API key reached the log"
