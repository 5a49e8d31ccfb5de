"""The <vaksam-search> widget on another origin's page, through CORS, in headless Chromium."""

import pytest
from playwright.sync_api import expect

from tests.integration.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_widget_searches_from_an_allowed_origin(page, widget_sites, vaksam):
    page.goto(widget_sites["allowed"] + "/")
    box = page.get_by_role("combobox", name="Sök i kunskapsbanken")
    box.fill("Vad hände på hälsodagen vid Fittja torg?")
    box.press("Enter")
    hits = page.locator("vaksam-search ol > li")
    expect(hits.first).to_be_visible()
    assert hits.count() == 3  # limit="3"
    expect(hits.first.locator("a.title")).to_have_text("Yttrande Socialstyrelsen")
    expect(hits.locator("mark").first).to_be_visible()  # the hits that share words have them marked
    link = page.locator("vaksam-search a.all")
    assert link.get_attribute("href").startswith(vaksam.url + "/?q=")
    accent = page.evaluate(
        "getComputedStyle(document.querySelector('vaksam-search').shadowRoot.querySelector('button')).backgroundColor"
    )
    assert accent == "rgb(107, 44, 145)"  # themed by the host page's --vaksam-accent
    screenshot(page, "widget")
    assert page.errors == []


def test_widget_is_refused_on_an_origin_the_operator_did_not_allow(page, widget_sites):
    page.goto(widget_sites["stranger"] + "/")
    box = page.get_by_role("combobox", name="Sök i kunskapsbanken")
    box.fill("hälsodagen")
    box.press("Enter")
    status = page.locator("vaksam-search p.status")
    expect(status).to_contain_text("kunde inte nå")
    assert page.locator("vaksam-search ol > li").count() == 0


def test_widget_shows_hostile_text_as_text(page, widget_sites):
    page.goto(widget_sites["allowed"] + "/")
    box = page.get_by_role("combobox", name="Sök i kunskapsbanken")
    box.fill("script pwned onerror larmcentralen")
    box.press("Enter")
    expect(page.locator("vaksam-search ol > li").first).to_be_visible()
    assert page.evaluate("window.__pwned") is None
    shadow_images = page.evaluate("document.querySelector('vaksam-search').shadowRoot.querySelectorAll('img').length")
    assert shadow_images == 0
    assert page.errors == []


def test_empty_widget_search_asks_for_words(page, widget_sites):
    page.goto(widget_sites["allowed"] + "/")
    page.get_by_role("button", name="Sök").click()
    expect(page.locator("vaksam-search p.status")).to_contain_text("Skriv något")
