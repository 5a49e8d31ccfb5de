"""What people expect of a search box, in headless Chromium: suggestions while typing (an ARIA
combobox), "Menade du", synonyms, "Visa fler", sorting, the organisation time lines and the
notice of a weak result, on the page and in the widget."""

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.integration.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_suggestions_while_typing_are_a_keyboard_combobox(page, vaksam):
    page.goto(vaksam.url + "/")
    box = page.get_by_role("combobox", name="Vad vill du veta?")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("hälsod", delay=40)
    listbox = page.get_by_role("listbox", name="Förslag")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    expect(options.first).to_contain_text("älsodag")
    screenshot(page, "search-suggestions")
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    chosen = options.first.locator("span").first.inner_text()
    box.press("Enter")  # the highlighted suggestion is searched
    expect(page.locator(".hit").first).to_be_visible()
    assert _query(page)["q"] == [chosen]
    expect(box).to_have_attribute("aria-expanded", "false")
    box.fill("")
    box.press_sequentially("fittja", delay=40)
    expect(listbox).to_be_visible()
    box.press("Escape")  # closes the list, keeps the text
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("fittja")
    assert page.errors == []


def test_a_misspelled_query_offers_a_correction_and_still_finds_the_passage(page, vaksam):
    page.goto(vaksam.url + "/?q=" + "hälsodagn på Fitja torg")
    expect(page.locator(".hit").first).to_be_visible()
    link = page.locator("#did-you-mean a")
    expect(link).to_have_text("hälsodagen på Fittja torg")
    # the lexical search looked for the long word's correction too; a short word is only offered
    expect(page.locator("#expansion")).to_have_text("Sökte även efter: hälsodagen (för ”hälsodagn”).")
    expect(page.locator(".hit h3").first).to_have_text("Yttrande Socialstyrelsen")
    link.click()
    expect(page.locator("#did-you-mean")).to_be_hidden()
    assert _query(page)["q"] == ["hälsodagen på Fittja torg"]
    assert page.errors == []


def test_a_synonym_rule_widens_the_search_and_marks_what_it_added(page, vaksam):
    page.goto(vaksam.url + "/?q=hedersvåld")
    expect(page.locator(".hit").first).to_be_visible()
    expect(page.locator("#expansion")).to_contain_text("hedersrelaterat våld och förtryck")
    marks = page.locator(".hit .snippet mark").all_inner_texts()
    assert any(m.lower().startswith("hedersrelaterat") for m in marks)


def test_show_more_appends_the_next_hits_and_moves_focus_to_them(page, vaksam):
    page.goto(vaksam.url + "/?q=Botkyrka")
    expect(page.locator(".hit")).to_have_count(10)
    more = page.get_by_role("button", name="Visa fler träffar")
    expect(more).to_be_visible()
    first_ten = page.locator(".hit h3 + .meta").all_inner_texts()
    more.click()
    expect(page.locator(".hit")).to_have_count(20)
    expect(page.locator(".hit").nth(10).locator("h3")).to_be_focused()
    expect(page.locator("#status")).to_contain_text("20 träffar")
    texts = [page.locator(".hit .snippet").nth(i).inner_text() for i in range(20)]
    metas = page.locator(".hit h3 + .meta").all_inner_texts()
    assert metas[:10] == first_ten
    assert len({(m, t) for m, t in zip(metas, texts, strict=True)}) == 20  # nothing shown twice


def test_sorting_by_date_and_lifting_newer_documents_land_in_the_url(page, vaksam):
    page.goto(vaksam.url + "/?q=Botkyrka")
    expect(page.locator(".hit").first).to_be_visible()
    page.get_by_label("Sortera").select_option("date")
    expect(page.locator(".hit .meta").first).to_contain_text("2025-01-17")  # the newest dated document
    assert _query(page)["sort"] == ["date"]
    page.get_by_label("Lyft nyare dokument").check()
    assert _query(page)["recency"] == ["1"]
    expect(page.get_by_label("Lyft nyare dokument")).to_be_checked()
    page.go_back()
    expect(page.get_by_label("Lyft nyare dokument")).not_to_be_checked()


def test_the_organisation_view_shows_time_lines(page, vaksam):
    page.goto(vaksam.url + "/?q=kultur och fritid i Botkyrka")
    expect(page.locator(".hit").first).to_be_visible()
    page.get_by_label("Visa", exact=True).select_option("organisation")
    timelines = page.locator("#timelines section")
    expect(timelines.first).to_be_visible()
    assert _query(page)["view"] == ["organisation"]
    headings = page.locator("#timelines h3").all_inner_texts()
    assert any(h.startswith("Botkyrka kommun") for h in headings)
    expect(page.locator("#timelines time").first).to_be_visible()
    expect(page.locator(".hit")).to_have_count(0)
    expect(page.get_by_label("Sortera")).to_be_disabled()  # a time line has its own order
    screenshot(page, "search-organisations")
    assert page.errors == []


def test_a_weak_result_says_so_and_proposes_what_to_try(page, vaksam):
    page.goto(vaksam.url + "/?q=Vem vann fotbolls-VM 2018?&organisation=Botkyrka kommun")
    notice = page.get_by_role("note")
    expect(notice).to_contain_text("verkar inte svara på frågan")
    remove = notice.get_by_role("link", name="Ta bort avgränsningen organisationen (Botkyrka kommun)")
    expect(remove).to_be_visible()
    remove.click()
    assert "organisation" not in _query(page)
    expect(page.locator(".hit").first).to_be_visible()


def test_the_widget_suggests_and_offers_a_correction(page, widget_sites):
    page.goto(widget_sites["allowed"] + "/")
    box = page.get_by_role("combobox", name="Sök i kunskapsbanken")
    box.press_sequentially("hälsod", delay=40)
    options = page.locator("vaksam-search [role=option]")
    expect(options.first).to_be_visible()
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page.locator("vaksam-search ol > li").first).to_be_visible()
    box.fill("hälsodagen på Fitja torg")
    box.press("Enter")
    hint = page.locator("vaksam-search p.hint")
    expect(hint).to_contain_text("Menade du: hälsodagen på Fittja torg?")
    hint.get_by_role("link").click()
    expect(box).to_have_value("hälsodagen på Fittja torg")
    expect(hint).to_be_hidden()
    assert page.errors == []


def test_collected_passages_become_a_reference_list_and_permalinks_open_the_passage(page, vaksam):
    page.goto(vaksam.url + "/?q=hälsodagen på Fittja torg")
    first = page.locator(".hit").first
    expect(first).to_be_visible()
    collect = first.get_by_role("button", name="Samla")
    collect.click()
    expect(collect).to_have_attribute("aria-pressed", "true")
    page.locator(".hit").nth(1).get_by_role("button", name="Samla").click()
    basket = page.get_by_role("button", name="Samling (2)")
    expect(basket).to_be_visible()
    page.reload()  # the basket is kept in the browser
    basket.click()
    dialog = page.get_by_role("dialog", name="Samlade passager")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".basket-list li")).to_have_count(2)
    references = dialog.locator("#basket-references")
    expect(references).to_contain_text("Botkyrka kommun (2025). Yttrande Socialstyrelsen.")
    expect(references).to_contain_text("(hämtad ")
    ris = dialog.get_by_role("link", name="RIS (EndNote, Mendeley)").get_attribute("href")
    assert ris.startswith("/api/v1/cite?format=ris&download=true&ids=")
    with page.expect_download() as download:
        dialog.get_by_role("link", name="CSL-JSON (Zotero)").click()
    assert download.value.suggested_filename == "vaksam-referenser.json"
    screenshot(page, "search-basket")
    dialog.get_by_role("button", name="Ta bort").first.click()
    expect(dialog.locator(".basket-list li")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Samling (1)")).to_be_focused()

    link = page.locator(".hit").first.get_by_role("link", name="Länk till passagen").get_attribute("href")
    page.goto(vaksam.url + link)
    document = page.get_by_role("dialog").filter(has=page.locator("#document-title"))
    expect(document.locator(".current")).to_contain_text("Fittja")  # the passage, in its document
    page.goto(vaksam.url + "/?passage=00000000-0000-0000-0000-000000000000")
    expect(page.locator("#status")).to_contain_text("finns inte i kunskapsbanken")
    assert page.errors == []
