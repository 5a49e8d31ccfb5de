"""Browser fixtures: Vaksam served on a free localhost port, a second (allowed) and a third (not
allowed) origin for the widget, and Debian's Chromium driven by Playwright.

Chromium comes from ``make browser-deps`` (apt's ``chromium``), never ``playwright install``.
Set ``VAKSAM_SCREENSHOTS=docs`` to save the README's screenshots (``make screenshots``).
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT
from tests.servers import LiveServer, free_port

CHROMIUM = Path(os.environ.get("VAKSAM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
HOSTILE = (
    "Rutin vid hot mot personal\n\n"
    "Vid akut hot ring larmcentralen och meddela närmaste chef. "
    '<script>window.__pwned = "script"</script> <img src=x onerror="window.__pwned = \'img\'"> '
    "Dokumentera händelsen i incidentrapporten samma dag.\n"
)
HOSTILE_TITLE = (
    "---\n"
    "title: <img src=x onerror=\"window.__pwned = 'title'\">Rutin för brandlarmsövning\n"
    "source_url: javascript:window.__pwned='link'\n"
    "---\n"
    "# <svg onload=\"window.__pwned = 'heading'\">Brandlarmsövning\n\n"
    "Brandlarmsövningen genomförs varje termin. Alla elever samlas på skolgården och läraren räknar in klassen.\n"
)
WIDGET_PAGE = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Intranätet</title>
<script src="{vaksam}/widget.js" defer></script>
<style>vaksam-search {{ --vaksam-accent: #6b2c91; max-width: 40rem; }}</style></head>
<body><h1>Kommunens intranät</h1>
<vaksam-search api="{vaksam}" placeholder="Sök i kunskapsbanken" limit="3"></vaksam-search>
</body></html>
"""


class StaticSite:
    """A folder served on its own port: another origin, as an intranet page would be."""

    def __init__(self, folder: Path, port: int) -> None:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> StaticSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def browser_corpus(tmp_path_factory) -> Path:
    """Three real documents of the bundled corpus and two XSS attempts: in the text, and in the
    title, a heading and the claimed address of a Markdown file."""
    folder = tmp_path_factory.mktemp("browser-corpus")
    for name in ("001_111830de3333ceff.txt", "002_8cef23d44c9bc52d.txt", "003_e441ec52418bea7e.txt"):
        shutil.copy(CORPUS / name, folder / name)
    (folder / "rutin_hot.txt").write_text(HOSTILE, encoding="utf-8")
    (folder / "rutin_brandlarm.md").write_text(HOSTILE_TITLE, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def ports() -> dict[str, int]:
    return {"vaksam": free_port(), "intranet": free_port(), "stranger": free_port()}


@pytest.fixture(scope="session")
def vaksam(tmp_path_factory, e5_encoder, browser_corpus, ports):
    from api.app import create_app
    from api.service import VaksamService
    from api.settings import ApiSettings

    root = tmp_path_factory.mktemp("browser-index")
    settings = ApiSettings(
        qdrant_path=root / "index",
        keys_file=root / "keys.json",
        uploads_dir=root / "uploads",
        cors_origins=[f"http://127.0.0.1:{ports['intranet']}"],
        rate_limit=1000,  # one test client sends what a room of users would
        synonyms_file=ROOT / "data" / "synonyms.txt",  # the shipped rules
        _env_file=None,
    )
    service = VaksamService(settings, encoder=e5_encoder)
    summary = service.ingest([browser_corpus], progress=False)
    assert summary.failed == [] and summary.indexed == 5
    with LiveServer(create_app(settings=settings, service=service), ports["vaksam"]) as server:
        yield server


@pytest.fixture(scope="session")
def widget_sites(tmp_path_factory, vaksam, ports):
    """The widget embedded on an allowed origin and on one the operator did not allow."""
    folder = tmp_path_factory.mktemp("intranet")
    (folder / "index.html").write_text(WIDGET_PAGE.format(vaksam=vaksam.url), encoding="utf-8")
    with StaticSite(folder, ports["intranet"]) as allowed, StaticSite(folder, ports["stranger"]) as stranger:
        yield {"allowed": allowed.url, "stranger": stranger.url}


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    """Save ``docs/<name>.png`` when VAKSAM_SCREENSHOTS names a folder."""
    folder = os.environ.get("VAKSAM_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)
