"""What a document is: title, dates, diarienummer, organisation, type, programs, source.

Every field is found from evidence in a fixed order (front matter or a folder
manifest first, then the source URL, then the document's own text) and is left
empty when there is none: an unknown value is honest, a guessed one is a bug.
Names of programs, document types and organisations live in data files
(``ingest/vocabularies/*.yaml``), never in code.

A folder may hold ``_index.jsonl`` with one JSON object per file (``path``
relative to that folder, ``url``, ``title``, optionally ``date``, ``type``,
``organisation``), as web crawls often write; the nearest such manifest above
a file is consulted.

Usage::

    meta = extract_metadata(parsed, texts, kind="pdf")
    meta.organisation, meta.diarienummer, meta.programs
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

from pydantic import BaseModel, Field

from ingest.blocks import ParsedDocument
from ingest.vocabularies import load
from search.text import fold

MANIFEST = "_index.jsonl"
_MANIFEST_DEPTH = 6
_ISO_DATE = re.compile(r"(?<![\d-])((?:19|20)\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?![\d-])")
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "januari februari mars april maj juni juli augusti september oktober november december".split()
    )
}
_SWEDISH_DATE = re.compile(r"\b([0-3]?\d)\s+(" + "|".join(_MONTHS) + r")\s+((?:19|20)\d\d)\b", re.I)
_URL_DATE = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/")
_DNR_LABELLED = re.compile(
    r"\b(?:Dnr|Diarienr|Diarienummer|Dnr\.)[\s.:]*"
    r"([A-ZÅÄÖ]{1,6}(?:\s?[/ ]\s?)?\d{1,4}[:/.]\d{1,5}(?:[:/.-]\d{1,5})?)"
)
_DNR_BARE = re.compile(r"(?<![\w/])([A-ZÅÄÖ]{2,6}/(?:19|20)\d\d:\d{1,5})(?![\w:])")
_DNR_GOVERNMENT = re.compile(r"(?<![\w/])([A-ZÅÄÖ]{1,2}(?:19|20)\d\d/\d{3,6}(?:/[A-ZÅÄÖ]{1,6})?)(?![\w/])")
_TOC_LINE = re.compile(r"\.{4,}[\s|]*\d+")
_MUNICIPALITY = re.compile(r"\b([A-ZÅÄÖ][a-zåäöé]+(?:[- ][A-ZÅÄÖ][a-zåäöé]+)?) (kommun|stad)\b")
_MUNICIPALITY_CAPS = re.compile(r"\b([A-ZÅÄÖ]{3,})\s+(KOMMUN|STAD)\b")
_REGION = re.compile(r"\bRegion ([A-ZÅÄÖ][a-zåäö]+(?:[- ][A-ZÅÄÖ][a-zåäö]+)?)\b")
_OPENING_BLOCKS = 12
_ADDRESSEE = re.compile(r"(?:\bTill|\bMottagare:?|\bYttrande(?: till)?|\bRemissvar(?: till)?)\s*$", re.I)
_SELF_REFERENCE = re.compile(r"\bKommunen\b")
ORG_MIN = 3
# A cue anywhere in a title this short names the type ("Uppdrag om jämställdhet slutrapport");
# in a longer title it is more often the topic ("Uppdrag att ta fram en rapport om ...").
SHORT_TITLE_WORDS = 6
ORG_MARGIN = 1.5
ORG_OPENING_BONUS = 5
OPENING_CHARS = 1500  # a letterhead or a first page's first lines


class DocumentMetadata(BaseModel):
    """The facts about one document that people filter and sort by."""

    title: str
    date: str | None = Field(None, description="The document's own date (ISO, YYYY-MM-DD or YYYY-MM).")
    year: int | None = None
    dates: list[str] = Field(default_factory=list, description="Every date the text mentions, ISO, sorted.")
    diarienummer: list[str] = Field(default_factory=list)
    organisation: str | None = None
    document_type: str | None = None
    programs: list[str] = Field(default_factory=list, description="Ids from vocabularies/programs.yaml.")
    source_url: str | None = None


# -- manifests -------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _manifest(path: Path, mtime: float) -> dict[str, dict]:
    entries: dict[str, dict] = {}
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and isinstance(row.get("path"), str):
                entries[row["path"]] = row
    return entries


def manifest_entry(file: Path) -> dict:
    """The nearest ``_index.jsonl`` row that describes ``file``, or an empty dict."""
    file = file.resolve()
    folder = file.parent
    for _ in range(_MANIFEST_DEPTH):
        candidate = folder / MANIFEST
        if candidate.is_file():
            rel = file.relative_to(folder).as_posix()
            row = _manifest(candidate, candidate.stat().st_mtime).get(rel)
            if row:
                return row
        if folder.parent == folder:
            break
        folder = folder.parent
    return {}


# -- fields ----------------------------------------------------------------------------------
def find_dates(text: str) -> list[str]:
    found = {f"{y}-{m}-{d}" for y, m, d in _ISO_DATE.findall(text)}
    for day, month, year in _SWEDISH_DATE.findall(text):
        found.add(f"{year}-{_MONTHS[month.lower()]:02d}-{int(day):02d}")
    return sorted(found)


def find_diarienummer(text: str) -> list[str]:
    found: list[str] = []
    for pattern in (_DNR_LABELLED, _DNR_BARE, _DNR_GOVERNMENT):
        for m in pattern.finditer(text):
            value = re.sub(r"\s*/\s*", "/", " ".join(m.group(1).split())).rstrip(".:")
            if value not in found:
                found.append(value)
    return found


def _alternatives(terms: Sequence[str]) -> str:
    """The terms as one regex group, longest first, so a longer term wins where both match."""
    return "(?:" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + ")"


def _term_pattern(terms: Sequence[str], flags: int) -> re.Pattern[str] | None:
    if not terms:
        return None
    return re.compile(rf"(?<![\w]){_alternatives(terms)}(?![\w])", flags)


@dataclass(frozen=True)
class _Terms:
    """Finds any of a list of terms as whole words.

    Python's ``re`` cannot jump to a term's first letters when a pattern opens with a
    look-behind, so it tries every position: the 20 program lists took 1.03 s over the real
    corpus's 756 texts. Here a pattern without the look-behind finds candidates at C speed and
    the whole-word pattern is only tried where one starts (0.15 s, the same answers).
    """

    candidates: re.Pattern[str]
    whole_words: re.Pattern[str]

    @classmethod
    def of(cls, terms: Sequence[str]) -> _Terms | None:
        whole = _term_pattern(terms, 0)
        if whole is None:
            return None
        return cls(re.compile(rf"{_alternatives(terms)}(?![\w])"), whole)

    def search(self, text: str) -> bool:
        pos = 0
        while m := self.candidates.search(text, pos):
            if self.whole_words.match(text, m.start()):  # the look-behind sees the text before it
                return True
            pos = m.start() + 1  # a term may start inside a candidate that was not a whole word
        return False


@lru_cache(maxsize=1)
def _program_terms() -> list[tuple[str, _Terms | None, _Terms | None]]:
    out = []
    for entry in load("programs"):
        folded = _Terms.of([fold(t) for t in entry.get("terms", [])])
        exact = _Terms.of(entry.get("case_sensitive_terms", []))
        out.append((entry["id"], folded, exact))
    return out


def find_programs(text: str) -> list[str]:
    """Ids of the programs the text names, in vocabulary order."""
    folded = fold(text)
    return [
        pid
        for pid, by_fold, exact in _program_terms()
        if (by_fold and by_fold.search(folded)) or (exact and exact.search(text))
    ]


def program_names() -> dict[str, str]:
    return {entry["id"]: entry["name"] for entry in load("programs")}


def document_type_names() -> dict[str, str]:
    return {entry["id"]: entry["name"] for entry in load("document_types")}


def _host_matches(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def find_organisation(text: str, opening: str, source_url: str | None) -> str | None:
    """The author. A document with a source URL belongs to its site: a known agency's domain, or a
    municipality the text names whose name is in the host; else it is unknown. Without a URL: the
    organisation the text names most, counting a name in the opening extra and never counting an
    addressee ("Yttrande Socialstyrelsen", "Till X").

    A text that speaks of itself as "Kommunen" ("Kommunen anser ...") is a municipality's: then
    the most named municipality is the author, however often it names the agency it answers.
    Otherwise (a report about several municipalities) every name competes. The winner needs
    ``ORG_MIN`` points and ``ORG_MARGIN`` times the runner-up, or the answer is unknown.
    """
    vocab = load("organisations")
    if source_url:
        host = (urlparse(source_url).hostname or "").lower()
        for agency in vocab["agencies"]:
            if any(_host_matches(host, d) for d in agency.get("domains", [])):
                return agency["name"]
    not_names = set(vocab.get("not_names", []))
    found: dict[str, list[int]] = {}  # organisation -> match offsets
    for m in _MUNICIPALITY.finditer(text):
        if m.group(1).split()[0] not in not_names:
            found.setdefault(f"{m.group(1)} {m.group(2)}", []).append(m.start())
    for m in _MUNICIPALITY_CAPS.finditer(text):
        found.setdefault(f"{m.group(1).title()} {m.group(2).lower()}", []).append(m.start())
    for m in _REGION.finditer(text):
        found.setdefault(f"Region {m.group(1)}", []).append(m.start())
    for agency in vocab["agencies"]:
        pattern = _term_pattern(agency["terms"], 0)
        if pattern:
            offsets = [m.start() for m in pattern.finditer(text)]
            if offsets:
                found.setdefault(agency["name"], []).extend(offsets)
    if not found:
        return None
    if source_url:
        # A published document belongs to the site it was published on: botwebb.botkyrka.se ->
        # "Botkyrka kommun" when the text names it. Agencies it cites ("enligt Arbetsmiljöverkets
        # föreskrift") are not its author, so without a matching name the answer is unknown.
        labels = set(fold(urlparse(source_url).hostname or "").split("."))
        for name in found:
            if name.endswith((" kommun", " stad")) and fold(name.rsplit(" ", 1)[0]).rstrip("s") in labels:
                return name
        return None
    scores: Counter[str] = Counter()
    for name, offsets in found.items():
        own = [o for o in offsets if not _ADDRESSEE.search(text[max(0, o - 30) : o])]
        scores[name] = len(own) + (ORG_OPENING_BONUS if any(o < len(opening) for o in own) else 0)
    municipalities = Counter({n: scores[n] for n in scores if n.endswith((" kommun", " stad"))})
    if municipalities and len(_SELF_REFERENCE.findall(text)) >= ORG_MIN:
        (best, score), *rest = municipalities.most_common(2) + [("", 0)]
        if score >= ORG_MIN and score >= ORG_MARGIN * rest[0][1]:
            return best
    (best, score), *rest = scores.most_common(2) + [("", 0)]
    return best if score >= ORG_MIN and score >= ORG_MARGIN * rest[0][1] else None


def find_document_type(title: str, opening: Sequence[str], source_url: str | None, kind: str) -> str | None:
    types = load("document_types")
    if source_url:
        segments = [s.lower() for s in urlparse(source_url).path.split("/") if s]
        for t in types:
            if set(t.get("url_segments", [])) & set(segments):
                return t["id"]
    for t in types:
        if kind in t.get("formats", []):
            return t["id"]
    heads = [fold(x) for x in [title, *opening] if x]
    short_title = fold(title) if len(title.split()) <= SHORT_TITLE_WORDS else ""
    for t in types:
        for cue in t.get("cues", []):
            starts = re.compile(rf"^{re.escape(fold(cue))}(?![\w])")
            anywhere = re.compile(rf"(?<![\w]){re.escape(fold(cue))}(?![\w])")
            if any(starts.search(h) for h in heads) or anywhere.search(short_title):
                return t["id"]
    return None


def better_title(parsed: ParsedDocument, manifest: dict) -> str:
    """Front matter, manifest, a PDF's cover line its document information names
    (``ingest.pdf_title``), then the first real heading (a table of contents' heading is not one)."""
    for candidate in (parsed.metadata.get("title"), manifest.get("title"), parsed.metadata.get("cover_title")):
        if candidate and candidate.strip():
            return candidate.strip()
    blocks = parsed.blocks
    for i, block in enumerate(blocks[:_OPENING_BLOCKS]):
        if block.kind == "heading" and len(block.text) >= 4:
            following = blocks[i + 1].text if i + 1 < len(blocks) else ""
            if _TOC_LINE.search(following):
                continue
            return block.text
    return parsed.title or parsed.path.stem


def web_address(raw: str | None) -> str | None:
    """A document's claimed address, only when it is an http(s) URL: pages link to it, and a
    ``javascript:`` or ``data:`` address from a hostile file must never become a link."""
    if not raw:
        return None
    raw = raw.strip()
    parsed = urlparse(raw)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc or any(c.isspace() for c in raw):
        return None
    return raw


def extract_metadata(parsed: ParsedDocument, own_text: Sequence[str], kind: str) -> DocumentMetadata:
    """Metadata from the front matter, a manifest, the URL and ``own_text`` (the document's own blocks)."""
    manifest = manifest_entry(parsed.path)
    front = parsed.metadata
    source_url = web_address(
        front.get("source_url") or front.get("url") or front.get("canonical") or manifest.get("url")
    )
    text = "\n".join(own_text)
    opening = list(own_text[:_OPENING_BLOCKS])
    opening_text = "\n".join(opening)[:OPENING_CHARS]
    title = better_title(parsed, manifest)
    dates = find_dates(text)
    date = front.get("date") or manifest.get("date")
    if not date:
        opening_dates = find_dates("\n".join(opening))
        if opening_dates:
            date = opening_dates[0] if len(opening_dates) == 1 else None
    if not date and source_url and (m := _URL_DATE.search(urlparse(source_url).path + "/")):
        date = f"{m.group(1)}-{m.group(2)}"
    year = int(date[:4]) if date and date[:4].isdigit() else None
    return DocumentMetadata(
        title=title,
        date=date,
        year=year,
        dates=dates,
        diarienummer=find_diarienummer(text),
        organisation=front.get("organisation")
        or manifest.get("organisation")
        or find_organisation(text, opening_text, source_url),
        document_type=front.get("type") or manifest.get("type") or find_document_type(title, opening, source_url, kind),
        programs=find_programs(text),
        source_url=source_url,
    )
