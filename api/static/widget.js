// <vaksam-search>: Vaksam's search box for other sites' pages. No dependencies, Shadow DOM.
//
//   <script src="https://vaksam.example/widget.js" defer></script>
//   <vaksam-search api="https://vaksam.example" placeholder="Sök i kunskapsbanken"></vaksam-search>
//
// Attributes: api (Vaksam's address; default: where this script came from), placeholder,
// label (the search box's accessible name), limit (hits shown, 1-20, default 5).
// Theme with CSS custom properties on the element: --vaksam-accent, --vaksam-text,
// --vaksam-muted, --vaksam-background, --vaksam-mark, --vaksam-font, --vaksam-radius.
// Document text is only ever inserted as text; matches are marked from the API's offsets.
(() => {
  "use strict";
  if (customElements.get("vaksam-search")) return;
  const scriptOrigin = document.currentScript ? new URL(document.currentScript.src, location.href).origin : location.origin;

  const CSS = `
:host { display: block; font-family: var(--vaksam-font, inherit); color: var(--vaksam-text, #1d2433);
  --_accent: var(--vaksam-accent, #1f5c99); --_muted: var(--vaksam-muted, #4a5468);
  --_radius: var(--vaksam-radius, .4rem); }
:host([hidden]) { display: none; }
form { display: flex; gap: .4rem; }
label.hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
input { flex: 1; min-width: 0; font: inherit; padding: .5rem .6rem; border: 2px solid var(--_muted);
  border-radius: var(--_radius); background: var(--vaksam-background, #fff); color: inherit; }
button { font: inherit; padding: .45rem .9rem; border: 2px solid var(--_accent); border-radius: var(--_radius);
  background: var(--_accent); color: #fff; cursor: pointer; }
:focus-visible { outline: 3px solid #b8470b; outline-offset: 2px; }
.status { color: var(--_muted); margin: .5rem 0; font-size: .95em; }
.status.error { color: #9b1c1c; }
ol { list-style: none; margin: .5rem 0 0; padding: 0; }
li { padding: .6rem 0; border-bottom: 1px solid #c9d0db; }
a.title { color: var(--_accent); font-weight: 600; }
.meta { color: var(--_muted); font-size: .85em; margin: .1rem 0; }
.snippet { margin: .2rem 0 0; }
mark { background: var(--vaksam-mark, #fff1a8); color: inherit; }
.all { display: inline-block; margin-top: .6rem; color: var(--_accent); }
`;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : String(v));
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  function highlighted(text, spans) {
    const out = document.createDocumentFragment();
    let at = 0;
    const clean = (Array.isArray(spans) ? spans : [])
      .filter((s) => Array.isArray(s) && Number.isInteger(s[0]) && Number.isInteger(s[1]))
      .map(([a, b]) => [Math.max(0, a), Math.min(text.length, b)])
      .filter(([a, b]) => a < b)
      .sort((x, y) => x[0] - y[0]);
    for (const [a, b] of clean) {
      if (a < at) continue;
      out.append(document.createTextNode(text.slice(at, a)), el("mark", {}, text.slice(a, b)));
      at = b;
    }
    out.append(document.createTextNode(text.slice(at)));
    return out;
  }

  let counter = 0;

  class VaksamSearch extends HTMLElement {
    constructor() {
      super();
      const root = this.attachShadow({ mode: "open" });
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } catch {
        root.append(el("style", {}, CSS));
      }
      const id = `vaksam-q-${++counter}`;
      this._label = el("label", { for: id, class: "hidden" });
      this._input = el("input", { id, type: "search", autocomplete: "off", maxlength: "1000", part: "input" });
      this._form = el("form", { role: "search", part: "form" }, this._label, this._input, el("button", { type: "submit", part: "button" }, "Sök"));
      this._status = el("p", { class: "status", role: "status", "aria-live": "polite" });
      this._list = el("ol", { part: "results" });
      this._more = el("a", { class: "all", hidden: true, part: "all-results" }, "Visa alla träffar i Vaksam");
      root.append(this._form, this._status, this._list, this._more);
      this._form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.search(this._input.value);
      });
    }

    static get observedAttributes() {
      return ["placeholder", "label"];
    }

    connectedCallback() {
      this.attributeChangedCallback();
    }

    attributeChangedCallback() {
      const placeholder = this.getAttribute("placeholder") || "Sök i kunskapsbanken";
      this._input.placeholder = placeholder;
      this._label.textContent = this.getAttribute("label") || placeholder;
    }

    get api() {
      const raw = this.getAttribute("api") || scriptOrigin;
      try {
        return new URL(raw, location.href).href.replace(/\/+$/, "");
      } catch {
        return scriptOrigin;
      }
    }

    get limit() {
      const n = parseInt(this.getAttribute("limit") || "5", 10);
      return Number.isFinite(n) ? Math.min(20, Math.max(1, n)) : 5;
    }

    _setStatus(text, error) {
      this._status.textContent = text;
      this._status.classList.toggle("error", Boolean(error));
    }

    async search(raw) {
      const q = String(raw || "").trim();
      this._list.replaceChildren();
      this._more.hidden = true;
      if (!q) {
        this._setStatus("Skriv något att söka efter först.", true);
        this._input.focus();
        return;
      }
      const page = `${this.api}/?${new URLSearchParams({ q })}`;
      this._setStatus("Söker …");
      let response;
      try {
        response = await fetch(`${this.api}/api/v1/search?${new URLSearchParams({ q, limit: String(this.limit) })}`, {
          headers: { Accept: "application/json" },
          credentials: "omit",
        });
      } catch {
        this._setStatus("Sökningen kunde inte nå kunskapsbanken. Försök igen om en stund.", true);
        return;
      }
      let body = null;
      try {
        body = await response.json();
      } catch {
        body = null;
      }
      if (!response.ok) {
        const wait = response.headers.get("Retry-After");
        this._setStatus(
          response.status === 429
            ? `För många sökningar just nu. Vänta ${wait || "några"} sekunder.`
            : `Sökningen misslyckades: ${(body && body.detail) || response.status}.`,
          true,
        );
        return;
      }
      const hits = (body && body.hits) || [];
      this._more.href = page;
      this._more.hidden = false;
      if (!hits.length) {
        this._setStatus(`Inga träffar för ”${q}”. Pröva andra eller färre ord.`);
        return;
      }
      this._setStatus(`${hits.length} träffar för ”${q}”.`);
      for (const hit of hits) {
        const doc = hit.document || {};
        const meta = [doc.organisation, doc.date, hit.page ? `sida ${hit.page}` : null].filter(Boolean).join(" · ");
        this._list.append(
          el(
            "li",
            { part: "hit" },
            el("a", { class: "title", href: page }, doc.title || "Dokument"),
            meta ? el("p", { class: "meta" }, meta) : null,
            el("p", { class: "snippet" }, highlighted(String(hit.snippet || ""), hit.highlights)),
          ),
        );
      }
      this.dispatchEvent(new CustomEvent("vaksam-results", { detail: { query: q, total: hits.length } }));
    }
  }

  customElements.define("vaksam-search", VaksamSearch);
})();
