"""Crash during an API upload: kill -9 `vaksam serve` mid-upload, start again, retry the upload;
the index must equal the one a single clean upload makes, with nothing left behind.

Rounds alternate a new document and a new version of an uploaded one (the old version must be
whole until the new one is). After each kill the server is started again in-process (its start
runs the recovery: leftovers removed, an upload put in place but not indexed is indexed, the
journal is read) and the client sends the same upload again, as a client that got no answer does.
``VAKSAM_UPLOAD_CRASH_RUNS`` sets the number of rounds (20; ``make reliability`` runs 60).
"""

from __future__ import annotations

import os
import random
import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import ROOT, tiny_settings
from tests.reliability.conftest import server_env
from tests.reliability.ingest_child import snapshot
from tests.reliability.test_crash_consistency import _diff, _paragraphs
from tests.servers import ServerProcess, free_port

RUNS = int(os.environ.get("VAKSAM_UPLOAD_CRASH_RUNS", "20"))
SEED = int(os.environ.get("VAKSAM_CRASH_SEED", str(random.SystemRandom().randrange(1 << 30))))
NAME = "rutin_uppladdad.txt"


def _upload_texts() -> tuple[str, str]:
    p = _paragraphs()
    v1 = "Rutin för stöd\n\n" + "\n\n".join([*p[30:36], p[40]])  # p[40] is also in the base corpus
    v2 = "Rutin för stöd\n\n" + "\n\n".join([p[30], p[50], *p[32:36], p[51]])
    return v1, v2


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.fixture(scope="module")
def upload_lab(tmp_path_factory, tiny_encoder, ingest_child):
    from api.app import create_app
    from api.keys import KeyStore
    from api.service import VaksamService

    root = tmp_path_factory.mktemp("upload-crash")
    corpus, index, uploads = root / "corpus", root / "index", root / "uploads"
    corpus.mkdir()
    p = _paragraphs()
    (corpus / "plan.txt").write_text("Handlingsplan\n\n" + "\n\n".join([*p[4:8], p[40]]), encoding="utf-8")
    (corpus / "policy.txt").write_text("Policy\n\n" + "\n\n".join(p[10:13]), encoding="utf-8")
    settings = tiny_settings(
        tiny_encoder.name, root, model_dir=ingest_child.model_dir, keys_file=root / "keys.json", rate_limit=0
    )
    key = KeyStore(settings.keys_file).create("crash")
    v1, v2 = _upload_texts()

    def app():
        return create_app(settings=settings, service=VaksamService(settings, encoder=tiny_encoder))

    def upload(client, text: str) -> tuple[int, float]:
        started = time.perf_counter()
        response = client.post(
            "/api/v1/documents",
            files={"file": (NAME, text.encode("utf-8"), "text/plain")},
            headers={"Authorization": f"Bearer {key}"},
        )
        return response.status_code, time.perf_counter() - started

    def state() -> tuple[dict, list[str], list[str]]:
        service = VaksamService(settings, encoder=tiny_encoder)
        try:
            return snapshot(service.store), service.store.integrity_problems(), _listing(uploads)
        finally:
            service.close()

    def save(name: str) -> Path:
        target = root / name
        shutil.copytree(index, target / "index")
        shutil.copytree(uploads, target / "uploads")
        return target

    service = VaksamService(settings, encoder=tiny_encoder)
    service.ingest([corpus], progress=False)
    service.close()
    with TestClient(app()):
        pass  # the first start makes the uploads folder
    base = save("base")
    kinds = {}
    with TestClient(app()) as client:
        status, seconds = upload(client, v1)
        assert status == 201
    kinds["new"] = {"start": base, "text": v1, "clean": state(), "seconds": seconds}
    with_v1 = save("with-v1")
    with TestClient(app()) as client:
        status, seconds = upload(client, v2)
        assert status == 201
    kinds["replace"] = {"start": with_v1, "text": v2, "clean": state(), "seconds": seconds}
    assert kinds["new"]["clean"][1] == [] and kinds["replace"]["clean"][1] == []
    env = server_env(tiny_encoder.name, ingest_child.model_dir, root, settings.keys_file)
    return {
        "root": root,
        "index": index,
        "uploads": uploads,
        "kinds": kinds,
        "key": key,
        "env": env,
        "app": app,
        "upload": upload,
        "state": state,
    }


def _reset(lab, kind) -> None:
    for name in ("index", "uploads"):
        shutil.rmtree(lab[name], ignore_errors=True)
        shutil.copytree(kind["start"] / name, lab[name])


def _send(url: str, key: str, text: str, outcome: list) -> None:
    try:
        response = httpx.post(
            f"{url}/api/v1/documents",
            files={"file": (NAME, text.encode("utf-8"), "text/plain")},
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        )
        outcome.append(response.status_code)
    except httpx.HTTPError as exc:
        outcome.append(type(exc).__name__)


def test_kill_9_during_an_upload_then_retry_converges(upload_lab):
    rng = random.Random(SEED)
    lab = upload_lab
    log = lab["root"] / "server.log"
    answered = committed = 0
    for round_no in range(RUNS):
        name = ("new", "replace")[round_no % 2]
        kind = lab["kinds"][name]
        _reset(lab, kind)
        # From before the request is read to after it is answered (HTTP adds to the in-process time).
        delay = kind["seconds"] * 2.5 * rng.random()
        outcome: list = []

        with ServerProcess(lab["env"], free_port(), log, ROOT) as server:
            sender = threading.Thread(target=_send, args=(server.url, lab["key"], kind["text"], outcome))
            sender.start()
            time.sleep(delay)
            server.kill()
            sender.join(timeout=60)
        answered += bool(outcome) and isinstance(outcome[0], int)
        target = lab["uploads"] / NAME
        committed += target.is_file() and target.read_text(encoding="utf-8") == kind["text"]
        with TestClient(lab["app"]()) as client:  # the restart: its start runs the recovery
            status, _ = lab["upload"](client, kind["text"])
        context = f"round {round_no} ({name}, killed after {delay:.3f} s, first try: {outcome}, seed {SEED})"
        assert status in (200, 201), context
        got, problems, listing = lab["state"]()
        clean, _, clean_listing = kind["clean"]
        assert problems == [], f"{context}: {problems[:5]}"
        assert listing == clean_listing, f"{context}: uploads folder {listing} != {clean_listing}"
        assert got == clean, f"{context}: the index differs from a clean upload's:\n" + _diff(got, clean)
    print(
        f"{RUNS} upload rounds: killed {RUNS - committed} before the file was in place, {committed - answered} "
        f"after (while indexing), {answered} after the answer; all converged (seed {SEED}; "
        f"a clean upload takes {lab['kinds']['new']['seconds']:.2f} s in-process)"
    )
    assert answered < RUNS and committed > answered  # kills landed before and while indexing
