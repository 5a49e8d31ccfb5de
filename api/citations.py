"""Collected passages as references: a Swedish reference list, CSL-JSON and RIS.

Each passage becomes one reference to its document, at its page: organisation (as corporate
author), year, title, diarienummer, page, address and the date it was read. The address is the
document's own (``source_url``) when it has one, else the passage's permalink in Vaksam, which
names the passage by its id: ids are derived from the document and the passage text, so the
link survives re-indexing an unchanged file. A passage without a known year gets "u.å." (utan
år), as Swedish reference lists write it.

Usage::

    references = [Reference.of(passage, document, permalink="https://vaksam.example/?passage=...")]
    text = render(references, CitationFormat.TEXT, read=date(2026, 12, 4))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from search.modes import Choice
from search.records import DocumentRecord, PassageRecord

# CSL's and RIS's types for Vaksam's document types (ingest/vocabularies/document_types.yaml)
_CSL_TYPES = {
    "rapport": "report",
    "presentation": "speech",
    "tal": "speech",
    "pressmeddelande": "article",
    "artikel": "article",
    "debattartikel": "article-newspaper",
    "foreskrift": "legislation",
    "rattsligt-dokument": "legislation",
}
_RIS_TYPES = {
    "rapport": "RPRT",
    "presentation": "SLIDE",
    "tal": "SLIDE",
    "pressmeddelande": "PRESS",
    "artikel": "JOUR",
    "debattartikel": "NEWS",
    "foreskrift": "STAT",
    "rattsligt-dokument": "STAT",
    "beslut": "GOVDOC",
    "tjansteskrivelse": "GOVDOC",
    "yttrande": "GOVDOC",
    "remiss": "GOVDOC",
    "protokoll": "GOVDOC",
    "regeringsuppdrag": "GOVDOC",
}


class CitationFormat(Choice):
    """``text``: a Swedish reference list; ``csl-json``: CSL-JSON (Zotero, Pandoc); ``ris``: RIS."""

    TEXT = "text"
    CSL_JSON = "csl-json"
    RIS = "ris"


MEDIA_TYPES = {
    CitationFormat.TEXT: "text/plain; charset=utf-8",
    CitationFormat.CSL_JSON: "application/vnd.citationstyles.csl+json",
    CitationFormat.RIS: "application/x-research-info-systems",
}
EXTENSIONS = {CitationFormat.TEXT: "txt", CitationFormat.CSL_JSON: "json", CitationFormat.RIS: "ris"}


@dataclass(frozen=True)
class Reference:
    passage_id: str
    title: str
    organisation: str | None
    year: int | None
    date: str | None
    diarienummer: tuple[str, ...]
    page: int | None
    address: str
    document_type: str | None

    @classmethod
    def of(cls, passage: PassageRecord, document: DocumentRecord | None, permalink: str) -> Reference:
        doc_date = document.date if document else None
        return cls(
            passage_id=passage.id,
            title=document.title if document else passage.document_id,
            organisation=(document.organisation if document else None) or passage.organisation,
            year=(document.year if document else None) or passage.year,
            date=doc_date,
            diarienummer=tuple(document.diarienummer) if document else (),
            page=passage.page,
            address=(document.source_url if document and document.source_url else None) or permalink,
            document_type=(document.document_type if document else None) or passage.document_type,
        )


def _text(ref: Reference, read: date) -> str:
    parts = [f"{ref.organisation} ({ref.year or 'u.å.'})." if ref.organisation else f"({ref.year or 'u.å.'})."]
    parts.append(f"{ref.title.rstrip('.')}.")
    if ref.diarienummer:
        parts.append(f"Dnr {', '.join(ref.diarienummer)}.")
    if ref.page:
        parts.append(f"S. {ref.page}.")
    parts.append(f"Tillgänglig: {ref.address} (hämtad {read.isoformat()}).")
    return " ".join(parts)


def _date_parts(raw: str | None, year: int | None) -> dict | None:
    if raw:
        try:
            day = date.fromisoformat(raw[:10])
            return {"date-parts": [[day.year, day.month, day.day]]}
        except ValueError:
            pass
    return {"date-parts": [[year]]} if year else None


def _csl(ref: Reference, read: date) -> dict:
    item: dict = {
        "id": ref.passage_id,
        "type": _CSL_TYPES.get(ref.document_type or "", "document"),
        "title": ref.title,
        "language": "sv",
        "URL": ref.address,
        "accessed": {"date-parts": [[read.year, read.month, read.day]]},
    }
    if ref.organisation:
        item["author"] = [{"literal": ref.organisation}]
        item["publisher"] = ref.organisation
    issued = _date_parts(ref.date, ref.year)
    if issued:
        item["issued"] = issued
    if ref.diarienummer:
        item["number"] = ", ".join(ref.diarienummer)
    if ref.page:
        item["page"] = str(ref.page)
    return item


def _ris(ref: Reference, read: date) -> str:
    lines = [f"TY  - {_RIS_TYPES.get(ref.document_type or '', 'GEN')}", f"TI  - {ref.title}"]
    if ref.organisation:
        lines += [f"AU  - {ref.organisation}", f"PB  - {ref.organisation}"]
    if ref.year:
        lines.append(f"PY  - {ref.year}")
    if ref.date:
        lines.append(f"DA  - {ref.date[:10].replace('-', '/')}")
    lines += [f"M1  - Dnr {n}" for n in ref.diarienummer]
    if ref.page:
        lines.append(f"SP  - {ref.page}")
    lines += [f"UR  - {ref.address}", f"Y2  - {read.strftime('%Y/%m/%d')}", "LA  - sv", f"ID  - {ref.passage_id}"]
    return "\n".join(lines + ["ER  - "])


def render(references: list[Reference], fmt: CitationFormat, read: date) -> str:
    """The references in ``fmt``; the text list is sorted as reference lists are (author, year)."""
    fmt = CitationFormat(fmt)
    if fmt is CitationFormat.CSL_JSON:
        return json.dumps([_csl(r, read) for r in references], ensure_ascii=False, indent=2) + "\n"
    if fmt is CitationFormat.RIS:
        return "\n".join(_ris(r, read) for r in references) + "\n"
    ordered = sorted(references, key=lambda r: ((r.organisation or r.title).lower(), r.year or 0, r.page or 0))
    return "\n".join(_text(r, read) for r in ordered) + "\n"
