"""One contract for every engine under the store: the edge engine (the embedded default),
qdrant-client, whose local mode stands in for a Qdrant server here (no server binary can be
installed on these machines; the server speaks the same client API), and the edge engine held by
an index process and reached through its socket (the workers of ``vaksam serve --workers N``).

Every test runs once per engine; the last ones check that both engines rank alike, that an
index moves from one to the other (``vaksam export``) unchanged, and what the index process
owes its workers (one gate for all, locks released when a worker dies, the key).
"""

from __future__ import annotations

import numpy as np
import pytest

from search.engines import open_engine
from search.engines.remote import EngineServer, IndexProcessGoneError, RemoteEngine
from search.filters import SearchFilters
from search.lexical.sparse import SparseVector
from search.modes import IndexEngine
from search.records import DocumentRecord, DocumentStatus, PassageRecord
from search.store import (
    IndexLockedError,
    ModelMismatchError,
    PassageVectors,
    QdrantStore,
    passage_point_id,
)

DIM = 8
MODEL = "test/model"
ENGINES = [IndexEngine.EDGE, IndexEngine.LOCAL]


def _settings(settings, engine: IndexEngine, folder: str = "index"):
    return settings.model_copy(update={"index_engine": engine, "qdrant_path": settings.qdrant_path.parent / folder})


@pytest.fixture
def index_process(settings):
    """An index process (in this process, over its real socket) holding an edge index."""
    server = EngineServer.start(open_engine(_settings(settings, IndexEngine.EDGE, "served")))
    yield server
    server.close()


def _worker(settings, server: EngineServer) -> QdrantStore:
    """A worker's store: settings as ``vaksam serve --workers N`` gives them."""
    return QdrantStore.from_settings(settings.model_copy(update={"index_process": server.folder}))


@pytest.fixture(params=[*ENGINES, "remote"], ids=[*(e.value for e in ENGINES), "remote"])
def store(request, settings):
    if request.param == "remote":
        store = _worker(settings, request.getfixturevalue("index_process"))
    else:
        store = QdrantStore.from_settings(_settings(settings, request.param))
    store.ensure_collections(MODEL, DIM)
    yield store
    store.close()


def _vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def make_document(doc_id: str, n: int, *, seed: int = 0, language: str = "sv", **meta) -> tuple:
    """A document with ``n`` passages; term ``i`` of passage ``i`` makes lexical hits predictable."""
    doc = DocumentRecord(
        id=doc_id,
        title=f"Dokument {doc_id}",
        source=f"/tmp/{doc_id}.txt",
        language=language,
        content_hash=f"h{seed}",
        passages=n,
        **meta,
    )
    passages = [
        PassageRecord(
            id=passage_point_id(doc_id, i, f"{doc_id}-{seed}-{i}"),
            document_id=doc_id,
            index=i,
            text=f"passage {i} of {doc_id} version {seed}",
            start=i * 10,
            end=i * 10 + 9,
            language=language,
            fingerprint=f"{doc_id}-{seed}-{i}",
            **{k: v for k, v in meta.items() if k in ("organisation", "document_type", "programs", "year")},
        )
        for i in range(n)
    ]
    dense = np.stack([_vector(seed * 1000 + i) for i in range(n)])
    sparse = [SparseVector([i % 7, 100 + seed], [1.0 + (seed * 1000 + i) / 1e5, 0.5]) for i in range(n)]  # no ties
    sentences = [np.stack([dense[i], _vector(seed * 1000 + i + 500)]) for i in range(n)]
    return doc, passages, PassageVectors(dense, sparse, sentences)


def test_collections_metadata_and_model_check(store):
    assert store.exists() and store.model_info()["model"] == MODEL
    store.ensure_collections(MODEL, DIM)  # idempotent
    with pytest.raises(ModelMismatchError, match="rebuild"):
        store.ensure_collections("other/model", DIM)
    store.drop()
    assert not store.exists() and store.count_passages() == 0 and store.list_documents() == []


def test_write_read_and_replace_without_a_mixed_state(store):
    doc, passages, vectors = make_document("a", 3)
    assert store.replace_document(doc, passages, vectors) == []
    assert [p.id for p in store.document_passages("a")] == [p.id for p in passages]
    assert store.get_document("a").title == "Dokument a" and store.count_passages() == 3
    assert store.get_passage(passages[1].id).text == passages[1].text
    record, dense, sparse = store.passage_with_vectors(passages[0].id)
    assert record.id == passages[0].id and np.allclose(dense, vectors.dense[0], atol=1e-5)
    assert sorted(sparse.indices) == [0, 100]
    doc2, new, new_vectors = make_document("a", 2, seed=1)
    store.replace_document(doc2, new, new_vectors)
    assert [p.text for p in store.document_passages("a")] == [p.text for p in new]
    assert store.count_passages() == 2  # the old version is gone, nothing staged is left


def test_a_crash_in_the_swap_keeps_the_old_version_searchable(store, monkeypatch):
    doc, passages, vectors = make_document("a", 3)
    store.replace_document(doc, passages, vectors)

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(store.engine, "batch_update", crash)
    doc2, new, new_vectors = make_document("a", 2, seed=1)
    with pytest.raises(RuntimeError):
        store.replace_document(doc2, new, new_vectors)
    monkeypatch.undo()
    found = store.candidates(_vector(1000), SparseVector([0, 1, 2], [1, 1, 1]), limit=10)
    assert {c.passage.id for c in found} == {p.id for p in passages}  # staged passages stay hidden
    store.replace_document(doc2, new, new_vectors)  # the next write clears the leftovers
    assert store.count_passages() == 2


def test_candidates_carry_every_signal_and_respect_filters(store):
    store.replace_document(*make_document("a", 4, organisation="Botkyrka kommun", year=2019, programs=["mvp"]))
    store.replace_document(*make_document("b", 4, seed=2, language="en", document_type="rapport", year=2023))
    query = _vector(0)  # passage 0 of a
    found = store.candidates(query, SparseVector([0], [1.0]), limit=5)
    best = max(found, key=lambda c: c.signals["dense"])
    assert best.passage.document_id == "a" and best.passage.index == 0
    assert set(best.signals) == {"dense", "sentences", "lexical"} and best.signals["dense"] == pytest.approx(
        1, abs=1e-4
    )
    assert best.document.title == "Dokument a"

    def docs(**kw) -> set[str]:
        return {c.passage.document_id for c in store.candidates(query, None, limit=20, filters=SearchFilters(**kw))}

    assert docs() == {"a", "b"}
    assert docs(language="en") == {"b"}
    assert docs(organisation="Botkyrka kommun") == {"a"}
    assert docs(document_type="rapport") == {"b"}
    assert docs(program="mvp") == {"a"}
    assert docs(year_from=2020) == {"b"} and docs(year_to=2020) == {"a"} and docs(year_from=2030) == set()
    assert docs(document="b") == {"b"}
    excluded = store.candidates(query, None, limit=20, exclude_document="a")
    assert {c.passage.document_id for c in excluded} == {"b"}
    only_lexical = store.candidates(None, SparseVector([100 + 2], [1.0]), limit=20, signals=["lexical"])
    assert {c.passage.document_id for c in only_lexical} == {"b"}
    with pytest.raises(ValueError, match="valid"):
        store.candidates(query, None, signals=["colour"])


@pytest.mark.filterwarnings("ignore:Local mode performs exact")  # qdrant-client's local mode is always exact
@pytest.mark.parametrize("cheap_calls", [True, False], ids=["search-then-score", "one-batch"])
def test_candidates_are_the_same_in_one_call_or_two(store, cheap_calls):
    """In process the store searches first and then scores the union by id; over a network it sends
    one batch whose requests each run the searches again. Either way: the same points and scores."""
    store.replace_document(*make_document("a", 6, organisation="Botkyrka kommun", year=2019))
    store.replace_document(*make_document("b", 6, seed=2, language="en", year=2023))
    asks = [
        (_vector(3), SparseVector([0, 3, 102], [1.0, 0.5, 0.2]), {}),
        (_vector(2001), None, {"filters": SearchFilters(language="en")}),
        (None, SparseVector([100], [1.0]), {"signals": ["lexical"]}),
        (_vector(4), SparseVector([4], [1.0]), {"exclude_document": "a"}),
        (_vector(5), SparseVector([5], [1.0]), {"with_vectors": True, "limit": 3}),
        (_vector(6), SparseVector([99], [1.0]), {"filters": SearchFilters(year_from=2030)}),
    ]

    def answers() -> list:
        out = []
        for vector, sparse, options in asks:
            found = store.candidates(vector, sparse, **{"limit": 4, **options})
            signals = [sorted((k, round(v, 5)) for k, v in c.signals.items()) for c in found]
            out.append(sorted(zip([c.passage.id for c in found], [c.document.id for c in found], signals, strict=True)))
            assert all((c.vector is None) is not options.get("with_vectors") for c in found)
        return out

    store.engine.cheap_calls = not cheap_calls
    expected = answers()
    store.engine.cheap_calls = cheap_calls
    assert answers() == expected
    assert [len(a) for a in expected] == [7, 4, 4, 4, 4, 0]  # unions of two top-4s (top-3s), or one


def test_a_search_reads_document_records_without_what_it_never_shows(store):
    doc, passages, vectors = make_document("a", 2)
    doc = doc.model_copy(update={"signature": [7, 8, 9], "edge_prints": ["e"], "cleaning": {"joined": 2}})
    store.replace_document(doc, passages, vectors)
    complete = store.get_document("a")
    assert complete.signature == [7, 8, 9] and complete.edge_prints == ["e"] and complete.cleaning == {"joined": 2}
    lean = store.get_documents(["a"], complete=False)["a"]
    assert (lean.title, lean.source, lean.language) == (complete.title, complete.source, complete.language)
    assert lean.signature == [] and lean.edge_prints == [] and lean.cleaning == {}
    found = store.candidates(_vector(0), None, limit=2)
    assert {c.document.title for c in found} == {"Dokument a"} and all(c.document.signature == [] for c in found)


def test_documents_are_counted_by_status_without_the_journal(store):
    assert store.count_documents() == 0
    store.replace_document(*make_document("a", 1))
    store.replace_document(*make_document("b", 1, seed=1))
    failed = DocumentRecord(id="c", title="C", source="/tmp/c.txt", language="sv", content_hash="x", status="failed")
    store.put_document(failed)
    store.add_pending_documents(["a", "d"])  # a journal page lives beside the records
    assert store.count_documents() == 2 and store.count_documents(DocumentStatus.FAILED) == 1
    assert store.count_documents() == sum(d.status == DocumentStatus.INDEXED for d in store.list_documents())


def test_an_older_index_gets_the_payload_indexes_it_lacks(store):
    from search.engines.base import CollectionSpec
    from search.store import DOCUMENT_COLLECTION_SPEC

    store.engine.drop(store.documents_collection)
    store.engine.create(store.documents_collection, CollectionSpec())  # as Vaksam made it before the status index
    store.put_document(DocumentRecord(id="a", title="A", source="/tmp/a.txt", language="sv", content_hash="x"))
    assert store.count_documents() == 1  # counted right without the index too
    added = store.engine.add_missing_indexes(store.documents_collection, DOCUMENT_COLLECTION_SPEC.indexes)
    assert added == ([] if store.engine.name == "local" else ["status"])  # the local mode keeps no payload indexes
    assert store.engine.add_missing_indexes(store.documents_collection, DOCUMENT_COLLECTION_SPEC.indexes) == []
    store.ensure_collections(MODEL, DIM)
    assert store.count_documents() == 1 and store.get_document("a").title == "A"


def test_shared_passages_and_deletes(store):
    doc_a, passages_a, vectors_a = make_document("a", 2)
    store.replace_document(doc_a, passages_a, vectors_a)
    store.add_also_in([passages_a[0]], "b")
    store.put_document(DocumentRecord(id="b", title="B", source="/tmp/b.txt", language="sv", content_hash="x"))
    holding = store.passages_holding("b")
    assert [p.id for p in holding] == [passages_a[0].id]
    assert store.find_fingerprints([passages_a[0].fingerprint], exclude_documents=["b"])
    assert {c.passage.id for c in store.candidates(_vector(0), None, filters=SearchFilters(document="b"))} == {
        passages_a[0].id
    }
    assert store.delete_document("a") == ["b"]  # b held a passage stored under a: it must be re-ingested
    assert store.get_document("a") is None and store.count_passages() == 0
    store.remove_also_in("b")
    assert store.delete_document("b") == []
    assert store.list_documents() == []


def test_reads_page_through_many_passages(store):
    store.replace_document(*make_document("big", 1100))  # more than two scroll pages and upsert batches
    assert store.count_passages() == 1100
    assert [p.index for p in store.document_passages("big")] == list(range(1100))


def test_a_second_process_is_refused_with_advice(settings):
    for engine in ENGINES:
        first = QdrantStore.from_settings(_settings(settings, engine, f"locked-{engine.value}"))
        try:
            with pytest.raises(IndexLockedError, match="another Vaksam process"):
                QdrantStore.from_settings(_settings(settings, engine, f"locked-{engine.value}"))
        finally:
            first.close()
        QdrantStore.from_settings(_settings(settings, engine, f"locked-{engine.value}")).close()  # free again


def test_both_engines_rank_alike_and_an_index_moves_between_them(settings):
    edge = QdrantStore.from_settings(_settings(settings, IndexEngine.EDGE, "edge"))
    local = QdrantStore.from_settings(_settings(settings, IndexEngine.LOCAL, "local"))
    try:
        edge.ensure_collections(MODEL, DIM)
        for i, name in enumerate("abcdef"):
            edge.replace_document(*make_document(name, 30, seed=i, year=2015 + i))
        edge.optimize()
        copied = edge.copy_to(local)
        assert copied == (180, 6) and local.model_info()["model"] == MODEL
        for seed in range(5):
            query, lexical = _vector(seed * 7 + 3), SparseVector([seed, 100 + seed], [1.0, 0.3])
            a = edge.candidates(query, lexical, limit=20)
            b = local.candidates(query, lexical, limit=20)
            assert [c.passage.id for c in a] == [c.passage.id for c in b]
            for x, y in zip(a, b, strict=True):
                assert x.signals.keys() == y.signals.keys()
                for name in x.signals:
                    assert x.signals[name] == pytest.approx(y.signals[name], rel=1e-4, abs=1e-5)
        assert [d.id for d in local.list_documents()] == [d.id for d in edge.list_documents()]
    finally:
        edge.close()
        local.close()


@pytest.mark.parametrize("engine", ENGINES, ids=[e.value for e in ENGINES])
def test_large_index_layout_answers_the_same(settings, engine):
    """Sentence vectors on disk and int8 dense copies (docs/deployment.md) change memory, not answers."""
    plain = QdrantStore.from_settings(_settings(settings, engine, "plain"))
    lean_settings = _settings(settings, engine, "lean").model_copy(
        update={"vectors_on_disk": True, "quantization": True}
    )
    lean = QdrantStore.from_settings(lean_settings)
    try:
        for store in (plain, lean):
            store.ensure_collections(MODEL, DIM)
            for i, name in enumerate("abc"):
                store.replace_document(*make_document(name, 20, seed=i))
            store.optimize()
        query = _vector(1003)
        a = [c.passage.id for c in plain.candidates(query, None, limit=5)]
        b = [c.passage.id for c in lean.candidates(query, None, limit=5)]
        assert a == b and a[0] == make_document("b", 20, seed=1)[1][3].id
    finally:
        plain.close()
        lean.close()


def _swaps_while_searching(writer: QdrantStore, reader: QdrantStore) -> tuple[int, list[str]]:
    """Three threads search ``reader`` while ``writer`` swaps a document's version back and forth
    12 times; the number of searches and what they saw that they must not (half or mixed versions)."""
    import threading

    versions = [make_document("a", 6, seed=s) for s in (0, 1)]
    writer.replace_document(*versions[0])
    ids = [{p.id for p in v[1]} for v in versions]
    stop = threading.Event()
    problems: list[str] = []
    searches = [0]

    def search() -> None:
        while not stop.is_set():
            try:
                seen = {c.passage.id for c in reader.candidates(_vector(0), None, limit=50)}
            except Exception as exc:  # noqa: BLE001 - any error fails the test
                problems.append(repr(exc))
                return
            searches[0] += 1
            if seen not in ids:
                problems.append(f"mixed or partial version: {len(seen)} passages")

    readers = [threading.Thread(target=search) for _ in range(3)]
    for t in readers:
        t.start()
    for i in range(12):
        writer.replace_document(*versions[(i + 1) % 2])
    stop.set()
    for t in readers:
        t.join()
    return searches[0], problems


def test_searches_during_swaps_never_see_half_a_document(store):
    """Readers run while a writer swaps a document's version back and forth (the store's gate)."""
    _, problems = _swaps_while_searching(store, store)
    assert not problems, problems[:3]


def test_workers_of_one_index_process_share_its_gate(settings, index_process):
    """One worker swaps a document while another searches: the gate is the index process's, so
    the reader never sees half a version (two gates, one per worker, would let it)."""
    writer, reader = _worker(settings, index_process), _worker(settings, index_process)
    assert writer.engine.name == "edge (index process)" and writer.engine.remote
    writer.ensure_collections(MODEL, DIM)
    searches, problems = _swaps_while_searching(writer, reader)
    writer.close()
    reader.close()
    assert searches > 12 and not problems, problems[:3]


def test_a_worker_that_dies_holding_the_gate_does_not_stop_the_others(settings, index_process):
    import threading

    other = _worker(settings, index_process)
    other.ensure_collections(MODEL, DIM)
    dying = RemoteEngine(index_process.folder)
    dying._call("acquire:write")  # mid-swap
    done = threading.Event()
    threading.Thread(target=lambda: (other.count_passages(), done.set()), daemon=True).start()
    assert not done.wait(0.5)  # the swap holds the gate: readers wait
    dying.close()  # the process dies: its connection closes
    assert done.wait(5), "the gate stayed held after its worker went away"
    other.close()


def test_the_index_process_wants_its_key_and_says_when_it_is_gone(settings, index_process, tmp_path):
    from multiprocessing import AuthenticationError
    from multiprocessing.connection import Client

    with pytest.raises(AuthenticationError):
        Client(str(index_process.folder / "engine.sock"), family="AF_UNIX", authkey=b"guess")
    assert oct(index_process.folder.stat().st_mode & 0o777) == "0o700"
    worker = _worker(settings, index_process)
    with pytest.raises(ValueError, match="does not run 'close'"):
        worker.engine._call("close")  # a worker cannot close the index for the others
    index_process.close()
    with pytest.raises(IndexProcessGoneError):
        worker.engine.exists("vaksam")
    with pytest.raises(IndexProcessGoneError, match="no index process"):
        RemoteEngine(tmp_path / "nothing-here")
