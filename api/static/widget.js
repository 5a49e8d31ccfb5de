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
.combo { position: relative; flex: 1; min-width: 0; display: flex; }
[role=listbox] { position: absolute; top: 100%; left: 0; right: 0; z-index: 5; margin: .2rem 0 0; padding: .2rem 0;
  list-style: none; background: var(--vaksam-background, #fff); border: 1px solid var(--_muted); border-radius: var(--_radius); }
[role=option] { padding: .3rem .6rem; border: 0; cursor: pointer; }
[role=option][aria-selected=true] { background: var(--_accent); color: #fff; }
.hint { margin: .4rem 0; }
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
      const listId = `${id}-list`;
      this._input = el("input", {
        id, type: "search", autocomplete: "off", maxlength: "1000", part: "input",
        role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId,
      });
      this._options = el("ul", { id: listId, role: "listbox", hidden: true, part: "suggestions" });
      this._form = el("form", { role: "search", part: "form" }, this._label,
        el("div", { class: "combo" }, this._input, this._options), el("button", { type: "submit", part: "button" }, "Sök"));
      this._status = el("p", { class: "status", role: "status", "aria-live": "polite" });
      this._hint = el("p", { class: "hint", hidden: true, part: "hint" });
      this._list = el("ol", { part: "results" });
      this._more = el("a", { class: "all", hidden: true, part: "all-results" }, "Visa alla träffar i Vaksam");
      root.append(this._form, this._hint, this._status, this._list, this._more);
      this._form.addEventListener("submit", (event) => {
        event.preventDefault();
        this._close();
        this.search(this._input.value);
      });
      this._active = -1;
      this._seq = 0;
      this._input.addEventListener("input", () => {
        clearTimeout(this._timer);
        this._timer = setTimeout(() => this._suggest(), 120);
      });
      this._input.addEventListener("keydown", (event) => this._key(event));
      this._input.addEventListener("blur", () => setTimeout(() => this._close(), 100));
    }

    _close() {
      clearTimeout(this._timer);
      this._seq++;
      this._options.hidden = true;
      this._options.replaceChildren();
      this._input.setAttribute("aria-expanded", "false");
      this._input.removeAttribute("aria-activedescendant");
      this._active = -1;
    }

    _key(event) {
      const all = [...this._options.children];
      if (this._options.hidden || !all.length) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        this._active = (this._active + (event.key === "ArrowDown" ? 1 : -1) + all.length) % all.length;
        all.forEach((o, i) => o.setAttribute("aria-selected", String(i === this._active)));
        this._input.setAttribute("aria-activedescendant", all[this._active].id);
      } else if (event.key === "Enter" && this._active >= 0) {
        event.preventDefault();
        this._choose(all[this._active].textContent);
      } else if (event.key === "Escape") {
        event.preventDefault();
        this._close();
      }
    }

    _choose(text) {
      this._input.value = text;
      this._close();
      this.search(text);
    }

    async _suggest() {
      const text = this._input.value;
      if (text.trim().length < 2) return this._close();
      const seq = ++this._seq;
      let body;
      try {
        const r = await fetch(`${this.api}/api/v1/suggest?${new URLSearchParams({ q: text, limit: "6" })}`, { credentials: "omit" });
        body = r.ok ? await r.json() : null;
      } catch {
        return;
      }
      if (!body || seq !== this._seq || this._input.value !== text) return;
      const items = body.suggestions.map((s, i) => {
        const o = el("li", { id: `${this._options.id}-${i}`, role: "option", "aria-selected": "false" }, s.text);
        o.addEventListener("mousedown", (e) => e.preventDefault());
        o.addEventListener("click", () => this._choose(s.text));
        return o;
      });
      this._options.replaceChildren(...items);
      this._options.hidden = !items.length;
      this._input.setAttribute("aria-expanded", String(Boolean(items.length)));
      this._active = -1;
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
      this._hint.hidden = true;
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
      const fix = body && body.did_you_mean;
      const notice = body && body.notice;
      if (fix || notice) {
        const link = fix ? el("a", { href: "#" }, fix.text) : null;
        if (link) link.addEventListener("click", (e) => { e.preventDefault(); this._input.value = fix.text; this.search(fix.text); });
        this._hint.replaceChildren(...(fix ? ["Menade du: ", link, "? "] : []), notice ? notice.message : "");
        this._hint.hidden = false;
      }
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
