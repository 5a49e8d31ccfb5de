// Vaksam's search page. Plain ES modules, no build step, no dependencies.
// Every piece of document text goes into the page as a text node; highlights come from the
// API's character offsets, so nothing from a document is ever parsed as HTML.

const API = "/api/v1";
const LIMIT = 10;
const FILTERS = [
  { param: "organisation", facet: "organisation", label: "Organisation" },
  { param: "type", facet: "document_type", label: "Dokumenttyp" },
  { param: "program", facet: "programs", label: "Program eller metod" },
  { param: "year_from", facet: "year", label: "Från år" },
  { param: "year_to", facet: "year", label: "Till år" },
  { param: "language", facet: "language", label: "Språk" },
  { param: "document", facet: "document", label: "Dokument" },
];
const LANGUAGES = { sv: "svenska", en: "engelska", da: "danska", no: "norska", fi: "finska", de: "tyska" };

const $ = (id) => document.getElementById(id);
const form = $("search-form");
const input = $("q");
const statusLine = $("status");
const hitList = $("hits");
const filterBox = $("filters");
const filterFields = $("filter-fields");
const showScore = $("show-score");
let lastFocus = null;

/** An element with attributes and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** ``text`` with the [start, end) ``spans`` wrapped in <mark>, as text nodes only. */
export function highlighted(text, spans) {
  const out = document.createDocumentFragment();
  let at = 0;
  const clean = (Array.isArray(spans) ? spans : [])
    .filter((s) => Array.isArray(s) && Number.isInteger(s[0]) && Number.isInteger(s[1]))
    .map(([a, b]) => [Math.max(0, a), Math.min(text.length, b)])
    .filter(([a, b]) => a < b)
    .sort((x, y) => x[0] - y[0]);
  for (const [start, end] of clean) {
    if (start < at) continue; // overlapping span: the first wins
    out.append(document.createTextNode(text.slice(at, start)), el("mark", {}, text.slice(start, end)));
    at = end;
  }
  out.append(document.createTextNode(text.slice(at)));
  return out;
}

function params() {
  return new URLSearchParams(window.location.search);
}

function filtersFrom(search) {
  const chosen = {};
  for (const f of FILTERS) if (search.get(f.param)) chosen[f.param] = search.get(f.param);
  return chosen;
}

async function getJSON(path) {
  const response = await fetch(API + path, { headers: { Accept: "application/json" } });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = new Error((body && body.detail) || `HTTP ${response.status}`);
    error.status = response.status;
    error.retryAfter = response.headers.get("Retry-After");
    throw error;
  }
  return body;
}

function describeError(error) {
  if (error.status === 429) {
    return `Det har kommit för många sökningar på kort tid. Vänta ${error.retryAfter || "några"} sekunder och försök igen.`;
  }
  if (error.status === 422) return `Sökningen gick inte att göra: ${error.message}. Ändra frågan och försök igen.`;
  if (error.status === 401) return "Sökningen kräver inloggning med en API-nyckel. Kontakta den som driver tjänsten.";
  if (!error.status) return "Tjänsten svarar inte. Kontrollera nätverket och försök igen om en stund.";
  return `Något gick fel i tjänsten (${error.message}). Försök igen om en stund.`;
}

function setStatus(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("error", isError);
}

function documentMeta(doc, hit) {
  const parts = [];
  if (doc.organisation) parts.push(doc.organisation);
  if (doc.date) parts.push(doc.date);
  if (hit && hit.page) parts.push(`sida ${hit.page}`);
  if (hit && hit.section && hit.section.length) parts.push(hit.section.join(" › "));
  return parts.join(" · ");
}

function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

function renderHit(hit, position) {
  const titleId = `hit-title-${position}`;
  const similarId = `similar-${position}`;
  const similarButton = el(
    "button",
    { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": similarId },
    "Liknande passager",
  );
  const similarBox = el("div", { id: similarId, class: "similar", hidden: true });
  similarButton.addEventListener("click", () => toggleSimilar(hit, similarButton, similarBox));
  const openButton = el("button", { type: "button", class: "secondary" }, "Visa i dokumentet");
  openButton.addEventListener("click", () => openDocument(hit, openButton));
  const collect = el("button", { type: "button", class: "secondary collect", "aria-pressed": String(inBasket(hit.id)), "data-id": hit.id }, "Samla");
  collect.addEventListener("click", () => {
    toggleBasket(hit);
    collect.setAttribute("aria-pressed", String(inBasket(hit.id)));
  });
  const permalink = el("a", { href: `/?passage=${encodeURIComponent(hit.id)}`, class: "permalink" }, "Länk till passagen");
  return el(
    "li",
    { class: "hit" },
    el(
      "article",
      { "aria-labelledby": titleId },
      el("h3", { id: titleId }, hit.document.title),
      el("p", { class: "meta" }, documentMeta(hit.document, hit)),
      el("p", { class: "snippet" }, highlighted(hit.snippet, hit.highlights)),
      showScore.checked ? el("p", { class: "score" }, `Poäng ${hit.score.toFixed(3)}`) : null,
      el("div", { class: "actions" }, openButton, similarButton, collect, permalink),
      similarBox,
    ),
  );
}

async function toggleSimilar(hit, button, box) {
  const open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", String(!open));
  box.hidden = open;
  if (open || box.dataset.loaded) return;
  box.replaceChildren(el("p", { role: "status" }, "Hämtar liknande passager …"));
  try {
    const result = await getJSON(`/similar/${encodeURIComponent(hit.id)}?limit=5`);
    box.dataset.loaded = "1";
    if (!result.hits.length) {
      box.replaceChildren(el("p", {}, "Inga liknande passager i andra dokument."));
      return;
    }
    box.replaceChildren(
      el("h4", {}, "Liknande passager i andra dokument"),
      el(
        "ol",
        {},
        result.hits.map((h) =>
          el("li", {}, el("strong", {}, h.document.title), el("br"), el("span", { class: "meta" }, documentMeta(h.document, h)), el("br"), h.snippet),
        ),
      ),
    );
  } catch (error) {
    box.replaceChildren(el("p", { class: "status error" }, describeError(error)));
  }
}

async function openDocument(hit, opener) {
  const dialog = $("document-view");
  lastFocus = opener;
  $("document-title").textContent = hit.document.title;
  $("document-meta").textContent = documentMeta(hit.document, hit);
  const body = $("document-body");
  body.replaceChildren(el("p", { role: "status" }, "Hämtar texten …"));
  const source = $("document-source");
  const url = hit.document.source_url && safeUrl(hit.document.source_url);
  source.replaceChildren(url ? el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, "Öppna originalet (nytt fönster)") : "");
  dialog.showModal();
  $("close-document").focus();
  try {
    const doc = await getJSON(`/documents/${encodeURIComponent(hit.document.id)}`);
    const at = doc.passage_ids.indexOf(hit.id);
    const ids = at < 0 ? [hit.id] : doc.passage_ids.slice(Math.max(0, at - 1), at + 2);
    const passages = await Promise.all(ids.map((id) => getJSON(`/passages/${encodeURIComponent(id)}`)));
    body.replaceChildren(
      ...passages.map((p) =>
        p.id === hit.id
          ? el("p", { class: "current", "aria-current": "true" }, highlighted(p.text, hit.text_highlights))
          : el("p", { class: "context" }, p.text),
      ),
    );
  } catch (error) {
    body.replaceChildren(el("p", { class: "status error" }, describeError(error)));
  }
}

/** Focus back on the button that opened the dialog, unless the reader has already moved on. */
function returnFocus(dialog = $("document-view")) {
  const active = document.activeElement;
  const lost = !active || active === document.body || dialog.contains(active);
  if (lost && lastFocus && lastFocus.isConnected) lastFocus.focus();
  lastFocus = null;
}

function closeDocument() {
  const dialog = $("document-view");
  if (dialog.open) dialog.close();
  returnFocus();
}

$("close-document").addEventListener("click", closeDocument);
// The close event comes a task after the dialog closed (Escape): by then a fast reader may have
// tabbed on, and focusing the opener unconditionally pulled them back (1 run in 10 in the browser
// tests). Chrome has already restored focus itself; this only catches focus that was lost.
$("document-view").addEventListener("close", () => returnFocus());

function renderFilters(facets, chosen) {
  filterFields.replaceChildren();
  let any = false;
  for (const f of FILTERS) {
    let values = facets[f.facet] || [];
    if (f.facet === "year") values = [...values].sort((a, b) => Number(a.value) - Number(b.value));
    const current = chosen[f.param];
    if (!values.length && !current) continue;
    any = true;
    const id = `filter-${f.param}`;
    const select = el("select", { id, name: f.param }, el("option", { value: "" }, "Alla"));
    for (const v of values) {
      const label = f.facet === "language" ? LANGUAGES[v.value] || v.value : v.label;
      const count = f.facet === "year" ? "" : ` (${v.count})`;
      select.append(el("option", { value: v.value, selected: v.value === current }, `${label}${count}`));
    }
    if (current && !values.some((v) => v.value === current)) {
      select.append(el("option", { value: current, selected: true }, `${current} (0)`));
    }
    select.addEventListener("change", () => {
      const next = params();
      if (select.value) next.set(f.param, select.value);
      else next.delete(f.param);
      navigate(next);
    });
    filterFields.append(el("div", { class: "filter" }, el("label", { for: id }, f.label), select));
  }
  filterBox.hidden = !any;
  $("clear-filters").hidden = !Object.keys(chosen).length;
}

$("clear-filters").addEventListener("click", () => {
  const next = new URLSearchParams();
  if (params().get("q")) next.set("q", params().get("q"));
  navigate(next);
  input.focus();
});

function navigate(next) {
  history.pushState(null, "", `${window.location.pathname}?${next.toString()}`);
  run();
}

// -- the basket: passages collected for a reference list, kept in this browser ----------------
const BASKET_KEY = "vaksam.basket";

function basket() {
  try {
    const items = JSON.parse(localStorage.getItem(BASKET_KEY) || "[]");
    return Array.isArray(items) ? items.filter((i) => i && typeof i.id === "string") : [];
  } catch {
    return [];
  }
}

function saveBasket(items) {
  try {
    localStorage.setItem(BASKET_KEY, JSON.stringify(items));
  } catch {
    setStatus("Samlingen kunde inte sparas i webbläsaren.", true);
  }
  $("open-basket").textContent = `Samling (${items.length})`;
}

function inBasket(id) {
  return basket().some((i) => i.id === id);
}

function toggleBasket(hit) {
  const items = basket();
  const at = items.findIndex((i) => i.id === hit.id);
  if (at >= 0) items.splice(at, 1);
  else items.push({ id: hit.id, title: hit.document.title, meta: documentMeta(hit.document, hit), snippet: hit.snippet });
  saveBasket(items);
  $("suggestion-status").textContent = at >= 0 ? "Borttagen ur samlingen." : "Tillagd i samlingen.";
}

/** ``/api/v1/cite`` for the passages ``ids`` in ``format`` (a download when ``download``). */
function citeLink(ids, format, download = true) {
  const query = new URLSearchParams({ format });
  if (download) query.set("download", "true");
  for (const id of ids) query.append("ids", id);
  return `${API}/cite?${query}`;
}

async function renderBasket() {
  const items = basket();
  $("basket-empty").hidden = items.length > 0;
  $("basket-export").hidden = !items.length;
  $("basket-list").replaceChildren(
    ...items.map((item) => {
      const remove = el("button", { type: "button", class: "link-button" }, "Ta bort");
      remove.addEventListener("click", () => {
        saveBasket(basket().filter((i) => i.id !== item.id));
        for (const b of document.querySelectorAll(".collect")) b.setAttribute("aria-pressed", String(inBasket(b.dataset.id)));
        renderBasket();
        $("close-basket").focus();
      });
      return el("li", {}, el("strong", {}, item.title), el("p", { class: "meta" }, item.meta || ""), el("p", {}, item.snippet || ""), remove);
    }),
  );
  if (!items.length) return;
  const ids = items.map((i) => i.id);
  $("download-text").href = citeLink(ids, "text");
  $("download-csl").href = citeLink(ids, "csl-json");
  $("download-ris").href = citeLink(ids, "ris");
  const references = $("basket-references");
  references.textContent = "Hämtar referenserna …";
  try {
    const response = await fetch(citeLink(ids, "text", false));
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw Object.assign(new Error(body.detail || `HTTP ${response.status}`), { status: response.status });
    }
    references.textContent = await response.text();
  } catch (error) {
    references.textContent =
      error.status === 404
        ? `Någon passage finns inte längre i kunskapsbanken (${error.message}). Ta bort den ur samlingen.`
        : describeError(error);
  }
}

$("open-basket").addEventListener("click", () => {
  lastFocus = $("open-basket");
  renderBasket();
  $("basket-view").showModal();
  $("close-basket").focus();
});
$("close-basket").addEventListener("click", () => {
  $("basket-view").close();
});
$("basket-view").addEventListener("close", () => returnFocus($("basket-view")));
$("clear-basket").addEventListener("click", () => {
  saveBasket([]);
  for (const b of document.querySelectorAll(".collect")) b.setAttribute("aria-pressed", "false");
  renderBasket();
  $("close-basket").focus();
});
$("copy-references").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("basket-references").textContent);
    $("suggestion-status").textContent = "Referenslistan är kopierad.";
  } catch {
    const range = document.createRange();
    range.selectNodeContents($("basket-references"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    $("suggestion-status").textContent = "Markerad: kopiera med Ctrl+C.";
  }
});
saveBasket(basket());

/** ``/?passage=<id>``: a permalink opens the passage in its document. */
async function openPermalink(id) {
  setStatus("Hämtar passagen …");
  try {
    const passage = await getJSON(`/passages/${encodeURIComponent(id)}`);
    const doc = passage.document || { id: passage.document_id, title: passage.document_id };
    setStatus(`Passage ur ”${doc.title}”.`);
    const hit = { ...passage, document: doc, text_highlights: [], snippet: passage.text };
    hitList.replaceChildren(renderHit(hit, 0));
    await openDocument(hit, hitList.querySelector("button"));
  } catch (error) {
    setStatus(
      error.status === 404 || error.status === 422
        ? "Passagen finns inte i kunskapsbanken längre. Sök efter den med några av dess ord."
        : describeError(error),
      true,
    );
  }
}

const KIND_LABELS = { program: "program", title: "titel", heading: "rubrik", term: "" };
const FILTER_NAMES = {
  organisation: "organisation",
  type: "dokumenttyp",
  program: "program",
  year_from: "från år",
  year_to: "till år",
  language: "språk",
  document: "dokument",
};
const moreButton = $("more");
let paging = null; // { query: URLSearchParams, shown: number } of the list on screen

/** A link to this page with ``next``'s parameters. */
function pageLink(next, text) {
  return el("a", { href: `${window.location.pathname}?${next.toString()}`, onclick: followLink }, text);
}

function followLink(event) {
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  history.pushState(null, "", event.currentTarget.getAttribute("href"));
  run();
  $("results").focus();
}

function withQuery(q) {
  const next = params();
  next.set("q", q);
  return next;
}

function renderDidYouMean(result) {
  const box = $("did-you-mean");
  const suggestion = result.did_you_mean;
  box.hidden = !suggestion;
  if (!suggestion) return box.replaceChildren();
  box.replaceChildren("Menade du: ", pageLink(withQuery(suggestion.text), suggestion.text), "?");
}

function renderExpansion(result) {
  const box = $("expansion");
  const expansion = result.expansion;
  const parts = [];
  if (expansion) {
    for (const [typed, fixed] of Object.entries(expansion.corrections || {})) parts.push(`${fixed} (för ”${typed}”)`);
    for (const rule of expansion.synonyms || []) parts.push(`${rule.added.join(", ")} (synonym till ”${rule.matched}”)`);
  }
  box.hidden = !parts.length;
  box.textContent = parts.length ? `Sökte även efter: ${parts.join("; ")}.` : "";
}

/** The notice of a weak result; without hits the status line says it, and the box only proposes. */
function renderNotice(result) {
  const box = $("notice");
  const notice = result.notice;
  const proposalsOnly = notice && !result.hits.length;
  box.hidden = !notice || (proposalsOnly && !notice.suggestions.length);
  if (box.hidden) return box.replaceChildren();
  const items = notice.suggestions.map((s) => {
    if (s.query) return el("li", {}, pageLink(withQuery(s.query), s.label));
    if (s.remove_filters && s.remove_filters.length) {
      const next = params();
      for (const name of s.remove_filters) next.delete(name);
      return el("li", {}, pageLink(next, s.label));
    }
    return el("li", {}, s.label);
  });
  const lead = proposalsOnly ? "Pröva:" : notice.message;
  box.replaceChildren(el("p", {}, lead), ...(items.length ? [el("ul", {}, items)] : []));
}

function dateOf(doc) {
  return doc.date || (doc.year ? String(doc.year) : null);
}

function renderTimelines(result) {
  const box = $("timelines");
  const titles = {};
  for (const group of result.organisations || []) for (const entry of group.documents) titles[entry.document.id] = entry.document.title;
  box.replaceChildren(
    ...(result.organisations || []).map((group, g) =>
      el(
        "section",
        { "aria-labelledby": `organisation-${g}` },
        el("h3", { id: `organisation-${g}` }, `${group.organisation} (${group.documents.length} dokument)`),
        el(
          "ol",
          { class: "timeline" },
          group.documents.map((entry, d) => {
            const doc = entry.document;
            const when = dateOf(doc);
            const hit = entry.hits[0];
            const facts = [doc.document_type, ...(doc.diarienummer || []).map((n) => `Dnr ${n}`)].filter(Boolean);
            return el(
              "li",
              { class: "timeline-entry" },
              when ? el("time", { datetime: doc.date || String(doc.year) }, when) : el("span", { class: "when" }, "Odaterat"),
              el("h4", { id: `entry-${g}-${d}` }, doc.title),
              facts.length ? el("p", { class: "meta" }, facts.join(" · ")) : null,
              hit ? el("p", { class: "snippet" }, highlighted(hit.snippet, hit.highlights)) : null,
              hit ? el("p", { class: "meta" }, documentMeta({}, hit)) : null,
              entry.related.length
                ? el("p", { class: "related" }, `Hör ihop med: ${entry.related.map((id) => titles[id] || id).join(", ")}`)
                : null,
            );
          }),
        ),
      ),
    ),
  );
}

function renderTools(search) {
  $("result-tools").hidden = false;
  $("view").value = search.get("view") === "organisation" ? "organisation" : "hits";
  $("sort").value = search.get("sort") === "date" ? "date" : "relevance";
  $("recency").checked = search.get("recency") === "1";
  $("sort").disabled = $("view").value === "organisation";
}

function setParam(name, value) {
  const next = params();
  if (value) next.set(name, value);
  else next.delete(name);
  navigate(next);
}

$("view").addEventListener("change", (event) => setParam("view", event.target.value === "organisation" ? "organisation" : ""));
$("sort").addEventListener("change", (event) => setParam("sort", event.target.value === "date" ? "date" : ""));
$("recency").addEventListener("change", (event) => setParam("recency", event.target.checked ? "1" : ""));

function clearResults() {
  hitList.replaceChildren();
  $("timelines").replaceChildren();
  moreButton.hidden = true;
  paging = null;
  for (const id of ["did-you-mean", "expansion", "notice"]) $(id).hidden = true;
}

async function run() {
  closeSuggestions();
  const search = params();
  const q = (search.get("q") || "").trim();
  input.value = q;
  showScore.checked = search.get("score") === "1";
  const chosen = filtersFrom(search);
  const filterQuery = new URLSearchParams(chosen);
  clearResults();
  if (!q && search.get("passage")) {
    $("result-tools").hidden = true;
    filterBox.hidden = true;
    return openPermalink(search.get("passage"));
  }
  if (!q) {
    $("result-tools").hidden = true;
    setStatus("Skriv en fråga i sökrutan för att börja.");
    document.title = "Vaksam – kunskapsbank om våldsprevention";
    try {
      renderFilters((await getJSON(`/facets?${filterQuery}`)).facets, chosen);
    } catch {
      filterBox.hidden = true;
    }
    return;
  }
  document.title = `${q} – Vaksam`;
  renderTools(search);
  setStatus("Söker …");
  const byOrganisation = search.get("view") === "organisation";
  const query = new URLSearchParams({ q, limit: String(LIMIT), ...chosen });
  if (byOrganisation) {
    query.set("group_by", "organisation");
    query.set("group_size", "2");
  } else if (search.get("sort") === "date") query.set("sort", "date");
  if (search.get("recency") === "1") query.set("recency", "0.5");
  try {
    const [result, facets] = await Promise.all([
      getJSON(`/search?${query}`),
      getJSON(`/facets?${new URLSearchParams({ q, ...chosen })}`),
    ]);
    renderFilters(facets.facets, chosen);
    renderDidYouMean(result);
    renderExpansion(result);
    renderNotice(result);
    if (!result.hits.length) {
      const filtered = Object.keys(chosen).length;
      setStatus(
        `Inga träffar för ”${q}”. ` +
          (filtered ? "Ta bort någon avgränsning, eller pröva " : "Pröva ") +
          "färre ord, andra ord eller en kortare fråga.",
      );
      return;
    }
    if (byOrganisation) {
      const organisations = result.organisations || [];
      setStatus(`${organisations.length} organisationer med träffar för ”${q}”, deras dokument i tidsordning.`);
      renderTimelines(result);
      return;
    }
    setStatus(`${result.hits.length} träffar för ”${q}”.`);
    hitList.replaceChildren(...result.hits.map((hit, i) => renderHit(hit, i)));
    paging = { query, shown: result.hits.length };
    moreButton.hidden = !result.has_more;
  } catch (error) {
    setStatus(describeError(error), true);
  }
}

/** "Visa fler": the next page of hits under the ones shown, focus on the first new one. */
async function showMore() {
  if (!paging) return;
  const query = new URLSearchParams(paging.query);
  query.set("offset", String(paging.shown));
  moreButton.disabled = true;
  try {
    const result = await getJSON(`/search?${query}`);
    const items = result.hits.map((hit, i) => renderHit(hit, paging.shown + i));
    hitList.append(...items);
    paging.shown += result.hits.length;
    moreButton.hidden = !result.has_more;
    setStatus(`${paging.shown} träffar för ”${query.get("q")}”.`);
    const first = items[0] && items[0].querySelector("h3");
    if (first) {
      first.tabIndex = -1;
      first.focus();
    }
  } catch (error) {
    setStatus(describeError(error), true);
  } finally {
    moreButton.disabled = false;
  }
}

moreButton.addEventListener("click", showMore);

// -- autocomplete: an ARIA 1.2 combobox over /suggest ------------------------------------
const listbox = $("suggestions");
let suggestionTimer = null;
let suggestionSeq = 0;
let activeOption = -1;

function options() {
  return [...listbox.querySelectorAll("[role=option]")];
}

function closeSuggestions() {
  clearTimeout(suggestionTimer);
  suggestionSeq += 1; // answers still on their way are dropped
  listbox.hidden = true;
  listbox.replaceChildren();
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  activeOption = -1;
}

function setActive(index) {
  const all = options();
  if (!all.length) return;
  activeOption = (index + all.length) % all.length;
  all.forEach((option, i) => option.setAttribute("aria-selected", String(i === activeOption)));
  input.setAttribute("aria-activedescendant", all[activeOption].id);
  all[activeOption].scrollIntoView({ block: "nearest" });
}

function chooseSuggestion(text) {
  input.value = text;
  closeSuggestions();
  form.requestSubmit();
}

async function loadSuggestions() {
  const text = input.value;
  if (text.trim().length < 2) return closeSuggestions();
  const seq = ++suggestionSeq;
  let result;
  try {
    result = await getJSON(`/suggest?${new URLSearchParams({ q: text, limit: "8" })}`);
  } catch {
    return; // suggestions are a help, never an error
  }
  if (seq !== suggestionSeq || input.value !== text || document.activeElement !== input) return;
  const items = result.suggestions.map((s, i) =>
    el(
      "li",
      {
        id: `suggestion-${i}`,
        role: "option",
        "aria-selected": "false",
        onmousedown: (event) => event.preventDefault(), // keep focus in the box
        onclick: () => chooseSuggestion(s.text),
      },
      el("span", {}, s.text),
      KIND_LABELS[s.kind] ? el("span", { class: "kind" }, KIND_LABELS[s.kind]) : null,
    ),
  );
  listbox.replaceChildren(...items);
  listbox.hidden = !items.length;
  input.setAttribute("aria-expanded", String(Boolean(items.length)));
  input.removeAttribute("aria-activedescendant");
  activeOption = -1;
  $("suggestion-status").textContent = items.length ? `${items.length} förslag finns. Välj med pil upp och ned.` : "";
}

input.addEventListener("input", () => {
  clearTimeout(suggestionTimer);
  suggestionTimer = setTimeout(loadSuggestions, 120);
});

input.addEventListener("keydown", (event) => {
  const open = !listbox.hidden;
  if (event.key === "ArrowDown") {
    event.preventDefault();
    if (open) setActive(activeOption + 1);
    else loadSuggestions();
  } else if (event.key === "ArrowUp" && open) {
    event.preventDefault();
    setActive(activeOption - 1);
  } else if (event.key === "Enter" && open && activeOption >= 0) {
    event.preventDefault();
    chooseSuggestion(options()[activeOption].firstChild.textContent);
  } else if (event.key === "Escape" && open) {
    event.preventDefault();
    closeSuggestions();
  }
});

input.addEventListener("blur", () => setTimeout(() => document.activeElement !== input && closeSuggestions(), 100));

form.addEventListener("submit", (event) => {
  event.preventDefault();
  closeSuggestions();
  const q = input.value.trim();
  if (!q) {
    setStatus("Skriv något att söka efter först.", true);
    input.focus();
    return;
  }
  const next = params();
  next.set("q", q);
  next.delete("offset");
  navigate(next);
  $("results").focus();
});

showScore.addEventListener("change", () => {
  const next = params();
  if (showScore.checked) next.set("score", "1");
  else next.delete("score");
  history.replaceState(null, "", `${window.location.pathname}?${next.toString()}`);
  run();
});

// On a phone the filters start folded, so the results come first on the screen.
if (window.matchMedia("(max-width: 48rem)").matches) $("filter-details").open = false;
window.addEventListener("popstate", run);
run();
