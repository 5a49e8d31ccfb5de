"""The search page in headless Chromium: search, filters, similar passages, the document view,
keyboard-only use, a phone-sized screen, and documents that try to run script."""

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.integration.browser.conftest import screenshot

pytestmark = pytest.mark.browser

QUESTION = "Vad hände på hälsodagen vid Fittja torg?"  # written for this test, not a dev question


def _search(page, vaksam, query: str) -> None:
    page.goto(vaksam.url + "/")
    page.get_by_label("Vad vill du veta?").fill(query)
    page.get_by_label("Vad vill du veta?").press("Enter")
    expect(page.locator(".hit").first).to_be_visible()


def test_a_swedish_question_finds_its_document(page, vaksam):
    _search(page, vaksam, QUESTION)
    first = page.locator(".hit").first
    expect(first.locator("h3")).to_have_text("Yttrande Socialstyrelsen")
    expect(page.locator("#status")).to_contain_text("träffar för")
    # The passage that names the day comes first, with the question's words marked.
    expect(page.locator(".hit .snippet mark").first).to_be_visible()
    assert "Hälsodagen" in first.locator(".meta").inner_text()  # section path shown
    assert parse_qs(urlparse(page.url).query)["q"] == [QUESTION]  # the search can be bookmarked
    assert page.locator(".score").count() == 0  # scores only when asked for
    screenshot(page, "search-page")
    page.goto(page.url + "&score=1")
    expect(page.locator(".score").first).to_contain_text("Poäng")
    assert page.errors == []


def test_a_filter_narrows_the_results_and_lands_in_the_url(page, vaksam):
    _search(page, vaksam, "kultur och fritid i Botkyrka")
    select = page.get_by_label("Dokument", exact=True)
    option = select.locator("option", has_text="Tjänsteresa till USA")
    select.select_option(value=option.get_attribute("value"))
    expect(page.locator(".hit h3").first).to_have_text("Tjänsteresa till USA för Oskar Ling")
    titles = set(page.locator(".hit h3").all_inner_texts())
    assert titles == {"Tjänsteresa till USA för Oskar Ling"}
    assert "document" in parse_qs(urlparse(page.url).query)
    page.get_by_role("button", name="Ta bort alla avgränsningar").click()
    expect(page.get_by_label("Dokument", exact=True)).to_have_value("")
    page.go_back()  # history holds the filtered search
    expect(page.get_by_label("Dokument", exact=True)).not_to_have_value("")


def test_similar_passages_and_the_document_view(page, vaksam):
    _search(page, vaksam, "hälsodagen på Fittja torg")  # words the first hit shares, to be marked
    first = page.locator(".hit").first
    button = first.get_by_role("button", name="Liknande passager")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(first.locator(".similar li").first).to_be_visible()
    first.get_by_role("button", name="Visa i dokumentet").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    snippet = first.locator(".snippet").inner_text()
    expect(dialog.locator(".current")).to_contain_text(snippet[:40])  # the hit, in its surrounding text
    expect(dialog.locator(".current mark").first).to_be_visible()
    expect(dialog.locator(".context").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_keyboard_only(page, vaksam):
    page.goto(vaksam.url + "/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Hoppa till sökresultaten")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Vad vill du veta?")).to_be_focused()
    page.keyboard.type("hälsodagen Fittja torg")
    page.keyboard.press("Enter")
    expect(page.locator(".hit").first).to_be_visible()
    page.keyboard.press("Tab")  # focus moved to the results: the view and order come first, then the hits
    expect(page.locator("#view")).to_be_focused()
    for _ in range(3):  # sort, "Lyft nyare dokument", the first hit
        page.keyboard.press("Tab")
    opener = page.locator(".hit").first.get_by_role("button", name="Visa i dokumentet")
    expect(opener).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_role("button", name="Stäng dokumentvyn")).to_be_focused()
    expect(page.get_by_role("dialog").locator(".current")).to_be_visible()  # the text has loaded
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(opener).to_be_focused()  # focus returns where it was
    page.keyboard.press("Tab")
    similar = page.locator(".hit").first.get_by_role("button", name="Liknande passager")
    expect(similar).to_be_focused()
    page.keyboard.press("Enter")
    expect(similar).to_have_attribute("aria-expanded", "true")


def test_empty_and_failed_searches_say_what_to_do(page, vaksam):
    page.goto(vaksam.url + "/?q=" + "x" * 1001)
    expect(page.locator("#status")).to_contain_text("Ändra frågan")
    page.goto(vaksam.url + "/")
    page.get_by_role("button", name="Sök").click()
    expect(page.get_by_label("Vad vill du veta?")).to_be_focused()  # required field: the browser asks
    page.goto(vaksam.url + "/?q=qqqzzzxyv&document=nope")
    expect(page.locator("#status")).to_contain_text("Inga träffar")
    expect(page.locator("#status")).to_contain_text("avgränsning")


def test_phone_sized_screen(chromium, vaksam):
    context = chromium.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(vaksam.url + "/?q=" + QUESTION)
    expect(page.locator(".hit").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
    screenshot(page, "search-page-phone")
    context.close()


def test_documents_that_carry_script_stay_text(page, vaksam):
    _search(page, vaksam, "hot mot personal larmcentralen incidentrapport")
    hit = page.locator(".hit", has_text="Rutin vid hot mot personal").first
    expect(hit).to_be_visible()
    hit.get_by_role("button", name="Visa i dokumentet").click()
    current = page.get_by_role("dialog").locator(".current")
    expect(current).to_contain_text("<script>window.__pwned")
    expect(current).to_contain_text("onerror=")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("dialog img, .hits img, .hits script").count() == 0
    assert page.errors == []


def test_a_hostile_title_heading_and_address_stay_text(page, vaksam):
    _search(page, vaksam, "brandlarmsövning skolgården")
    hit = page.locator(".hit", has_text="Brandlarmsövningen").first
    expect(hit).to_be_visible()
    expect(hit).to_contain_text("<img src=x onerror=")
    hit.get_by_role("button", name="Visa i dokumentet").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator(".current")).to_contain_text("Brandlarmsövningen genomförs")
    assert dialog.get_by_text("Öppna originalet").count() == 0  # a javascript: address is no link
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("dialog img, dialog svg, .hits img, .hits svg").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert page.errors == []
