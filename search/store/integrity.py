"""The integrity check: what a crash, a bug or a hand edit left inconsistent (``vaksam check``)."""

from __future__ import annotations

from search.store.base import reading
from search.store.reads import ReadingStore
from search.store.schema import LIVE, STATE


class CheckedStore(ReadingStore):
    @reading
    def integrity_problems(self) -> list[str]:
        """What a crash, a bug or a hand edit left inconsistent, one line each; [] when none.

        Checks what every write keeps true: no staged passages are left (an interrupted swap),
        every passage belongs to a known document and every ``also_in`` names one, each indexed
        document has exactly its recorded number of live passages, duplicates point at known
        originals, and no text is stored twice across documents. ``vaksam check`` prints them;
        the crash tests assert there are none after a rerun."""
        if not self.engine.exists(self.collection):
            return []
        docs = {d.id: d for d in self.list_documents()}
        problems: list[str] = []
        live: dict[str, int] = {}
        owners: dict[str, str] = {}
        for pid, payload in self.passage_payloads():
            doc_id = payload.get("document_id", "?")
            if payload.get(STATE) != LIVE:
                problems.append(f"passage {pid}: left staged by an interrupted write of document {doc_id}")
                continue
            live[doc_id] = live.get(doc_id, 0) + 1
            if doc_id not in docs:
                problems.append(f"passage {pid}: its document {doc_id} has no record")
            for other in payload.get("also_in") or []:
                if other not in docs:
                    problems.append(f"passage {pid}: also_in names unknown document {other}")
            fingerprint = payload.get("fingerprint")
            if fingerprint and owners.setdefault(fingerprint, doc_id) != doc_id:
                problems.append(f"passage {pid}: the same text is stored for {owners[fingerprint]} and {doc_id}")
        for doc in docs.values():
            if live.get(doc.id, 0) != doc.passages:
                problems.append(
                    f"document {doc.id}: records {doc.passages} passages, the index holds {live.get(doc.id, 0)}"
                )
            if doc.duplicate_of and doc.duplicate_of not in docs:
                problems.append(f"document {doc.id}: duplicate of unknown document {doc.duplicate_of}")
            elif doc.duplicate_of and docs[doc.duplicate_of].duplicate_of:
                problems.append(f"document {doc.id}: duplicate of {doc.duplicate_of}, itself a duplicate")
            for other in doc.duplicates:
                if other not in docs:
                    problems.append(f"document {doc.id}: lists unknown duplicate {other}")
        return problems
