"""Ingest reads files ahead on a second thread: in order, on one thread, each error on its own
file, and the index it builds is exactly the one reading in turn builds."""

import threading
from pathlib import Path

import pytest

from api.service import VaksamService
from ingest.preparation import PreparedFile, ReadAhead
from tests.conftest import tiny_settings
from tests.reliability.ingest_child import snapshot
from tests.reliability.test_crash_consistency import corpus_versions


def _planner(log: list, fail: set[str] = frozenset(), unplannable: set[str] = frozenset()):
    def plan(path: Path):
        log.append(("plan", path.name, threading.current_thread().name))
        if path.name in unplannable:
            raise RuntimeError(f"cannot plan {path.name}")

        def job() -> PreparedFile:
            log.append(("job", path.name, threading.current_thread().name))
            if path.name in fail:
                raise ValueError(f"{path.name} is broken")
            return PreparedFile(path, "txt", path.name)

        return job

    return plan


def test_files_are_prepared_in_order_on_one_thread_ahead_of_the_indexer():
    files = [Path(f"{i}.txt") for i in range(6)]
    log: list = []
    with ReadAhead(files, _planner(log), depth=2) as ahead:
        assert [entry[1] for entry in log if entry[0] == "plan"] == ["0.txt", "1.txt"]  # two queued at once
        taken = [ahead.take(path).digest for path in files]
    assert taken == [p.name for p in files]
    plans = [entry for entry in log if entry[0] == "plan"]
    jobs = [entry for entry in log if entry[0] == "job"]
    assert {thread for *_, thread in plans} == {threading.current_thread().name}  # the index is read here
    assert len({thread for *_, thread in jobs}) == 1 and jobs[0][2].startswith("vaksam-read-ahead")
    assert [name for _, name, _ in jobs] == [p.name for p in files]


def test_each_error_comes_with_its_own_file_and_the_rest_go_on():
    files = [Path(n) for n in ("a.txt", "bad.txt", "c.txt", "loop.txt", "e.txt")]
    with ReadAhead(files, _planner([], fail={"bad.txt"}, unplannable={"loop.txt"}), depth=3) as ahead:
        assert ahead.take(files[0]).digest == "a.txt"
        with pytest.raises(ValueError, match="bad.txt is broken"):
            ahead.take(files[1])
        assert ahead.take(files[2]).digest == "c.txt"
        with pytest.raises(RuntimeError, match="cannot plan loop.txt"):
            ahead.take(files[3])
        assert ahead.take(files[4]).digest == "e.txt"


def test_files_must_be_taken_in_order():
    files = [Path("a.txt"), Path("b.txt")]
    with ReadAhead(files, _planner([]), depth=1) as ahead, pytest.raises(RuntimeError, match="b.txt is not next"):
        ahead.take(files[1])


def test_out_of_turn_work_waits_on_the_same_thread_and_depth_zero_reads_in_turn():
    log: list = []
    files = [Path("a.txt"), Path("b.txt")]
    with ReadAhead(files, _planner(log), depth=1) as ahead:
        ahead.take(files[0])
        ahead.now(_planner(log)(Path("again.txt")))
        ahead.take(files[1])
    threads = {name: thread for kind, name, thread in log if kind == "job"}
    assert len(set(threads.values())) == 1 and threads["again.txt"].startswith("vaksam-read-ahead")
    log.clear()
    with ReadAhead(files, _planner(log), depth=0) as ahead:
        assert log == []  # nothing read before it is asked for
        ahead.take(files[1])  # no queue: any order
    assert log[-1] == ("job", "b.txt", threading.current_thread().name)


def _site_pages(version: int) -> dict[str, str]:
    """Pages of one site sharing a footer, so that a file queued before the footer counted as the
    site's must be cleaned again when its turn comes."""
    topics = ["Julmarknaden i Hallunda", "Hälsodagen på Fittja torg", "Sommarlovskul i Alby", "Kulturskolans konserter"]
    return {
        f"sida_{i}.md": f"# {topic}\n\n{topic} lockade många besökare år {2020 + version}. Arrangemanget "
        f"genomfördes av kommunen tillsammans med föreningar och frivilliga.\n\n"
        f"Kontakta oss · Cookies · Tillgänglighet\n"
        for i, topic in enumerate(topics)
    }


def test_reading_ahead_builds_the_index_reading_in_turn_builds(tiny_model_dir, tiny_encoder, tmp_path):
    v1, v2 = corpus_versions()
    v1 = {**v1, **_site_pages(1), "trasig.pdf": "inte en pdf"}
    v2 = {**v2, **_site_pages(2)}
    corpus = tmp_path / "corpus"  # one folder for every run: document ids come from the path
    corpus.mkdir()
    runs = {}
    for depth in (0, 1, 2, 5):
        settings = tiny_settings(tiny_model_dir, tmp_path / f"depth-{depth}", read_ahead=depth)
        service = VaksamService(settings, encoder=tiny_encoder)
        try:
            outcome = []
            for files in (v1, v2, v2):
                for old in corpus.glob("*"):
                    old.unlink()
                for name, text in files.items():
                    (corpus / name).write_text(text, encoding="utf-8")
                summary = service.ingest([corpus], prune=True, progress=False)
                outcome.append(
                    (summary.indexed, summary.passages, summary.skipped, summary.reingested, len(summary.failed))
                )
            runs[depth] = (outcome, snapshot(service.store))
        finally:
            service.close()
    assert runs[0][0][2][0] == 0 and runs[0][0][2][2] > 0  # the third run found everything unchanged
    texts = [row[-1] for row in runs[0][1]["passages"]]
    assert not any("Cookies" in t for t in texts)  # the site footer is gone from every page
    for depth in (1, 2, 5):
        assert runs[depth] == runs[0], f"reading {depth} files ahead built another index"


def test_the_parsers_warm_up_once_on_their_own_thread_and_a_failure_only_warns(monkeypatch, caplog):
    from ingest import preparation

    calls = []
    gate = threading.Event()

    def warm_up():
        calls.append(threading.current_thread().name)
        gate.wait(5)

    monkeypatch.setattr(preparation, "_warming", None)
    monkeypatch.setattr(preparation, "warm_up", warm_up)
    first = preparation.warm_up_in_background()
    assert preparation.warm_up_in_background() is first  # once per process
    assert not first.done()
    gate.set()
    preparation.wait_for_warm_up()
    assert first.done() and calls == ["vaksam-warm-up"]

    def broken():
        raise ImportError("no unstructured here")

    monkeypatch.setattr(preparation, "_warming", None)
    monkeypatch.setattr(preparation, "warm_up", broken)
    preparation.warm_up_in_background()
    preparation.wait_for_warm_up()  # does not raise: each file reports what it lacks
    assert "loading the parsers ahead failed (no unstructured here)" in caplog.text
    monkeypatch.setattr(preparation, "_warming", None)
    preparation.wait_for_warm_up()  # nothing started: nothing to wait for


def test_warm_up_loads_what_the_first_file_needs():
    import sys

    from ingest.cleaning.lexicon import SwedishLexicon
    from ingest.preparation import warm_up

    warm_up()
    assert "unstructured.partition.pdf" in sys.modules and "unstructured.partition.docx" in sys.modules
    assert SwedishLexicon.default.cache_info().currsize == 1
