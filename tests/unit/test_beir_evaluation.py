"""BEIR folders in a throwaway index, as records and as text files through ingest."""

from __future__ import annotations

import json

import pytest

from api.evaluation import beir_ranking, evaluate_beir
from search.ranking.scored import ScoredPassage
from search.records import DocumentRecord, PassageRecord

PAGES = [
    ("p1", "Simskola", "Simskolan för nyanlända hölls i Alby simhall varje lördag under våren."),
    ("p2", "Läxhjälp", "Läxhjälpen i biblioteket hade öppet tre kvällar i veckan för elever i årskurs 7-9."),
    ("p3", "Simskola (kopia)", "Simskolan för nyanlända hölls i Alby simhall varje lördag under våren."),
]


@pytest.fixture
def beir_folder(tmp_path):
    folder = tmp_path / "mini"
    (folder / "qrels").mkdir(parents=True)
    with (folder / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for pid, title, text in PAGES:
            fh.write(json.dumps({"_id": pid, "title": title, "text": text}, ensure_ascii=False) + "\n")
    queries = [("q1", "Var hölls simskolan för nyanlända?"), ("q2", "När hade läxhjälpen öppet?")]
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": q, "text": t}, ensure_ascii=False) + "\n" for q, t in queries), encoding="utf-8"
    )
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\tp1\t1\nq2\tp2\t1\n")
    return folder


@pytest.mark.parametrize("as_files", [False, True])
def test_a_beir_folder_is_scored_by_its_own_page_ids(service, beir_folder, as_files):
    (report,) = evaluate_beir(service, beir_folder, progress=False, as_files=as_files)
    assert report.queries == 2
    assert set(report.metrics) == {"ndcg@10", "recall@10", "mrr@10"}
    assert report.metrics["recall@10"] == 1.0  # three pages: every relevant one is in the ten
    ranked_ids = {d.id for d in report.details}
    assert ranked_ids == {"q1", "q2"}


def test_a_hit_stands_for_every_page_that_holds_its_text():
    def scored(doc: str, also: list[str], twins: list[str]) -> ScoredPassage:
        passage = PassageRecord(id=doc, document_id=doc, index=0, text="t", start=0, end=1, language="sv", also_in=also)
        record = DocumentRecord(id=doc, title=doc, source=doc, language="sv", content_hash="", duplicates=twins)
        return ScoredPassage(1.0, passage, record)

    items = [scored("a", ["b"], ["c"]), scored("b", [], []), scored("d", [], [])]
    assert beir_ranking(items) == ["a", "b", "c", "d"]
    assert beir_ranking(items, {"a": "p1", "b": "p2", "c": "p3"}) == ["p1", "p2", "p3", "d"]
