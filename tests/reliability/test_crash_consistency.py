"""Crash consistency: kill -9 an ingest anywhere; the next run converges to what a clean run makes.

Each round starts from a known state, runs the ingest in its own process and sends it SIGKILL:
either after a random delay within a clean run's duration, or (from inside, the same signal) just
before a random one of the index's write requests, so the boundaries between writes, where a
crash does its damage, are hit on purpose. Then the ingest is run again to the end and the whole
index (every passage id, its document, text, state and links; every document record) must equal
the clean run's, with no integrity problem (nothing staged, orphaned or stored twice).

Two kinds of round alternate: the first ingest of a folder into an empty index, and an update of
an indexed folder (edited files, a new one, a shared passage that moves, a contained document that
stops being contained). ``VAKSAM_CRASH_RUNS`` sets the number of rounds (20; ``make reliability``
runs 100), ``VAKSAM_CRASH_SEED`` replays one sequence.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.reliability.ingest_child import WRITES, snapshot

RUNS = int(os.environ.get("VAKSAM_CRASH_RUNS", "20"))
SEED = int(os.environ.get("VAKSAM_CRASH_SEED", str(random.SystemRandom().randrange(1 << 30))))


def _paragraphs() -> list[str]:
    text = (CORPUS / "004_921a52af8c62d2a4.txt").read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n\n") if len(p.strip()) > 250]


def corpus_versions() -> tuple[dict[str, str], dict[str, str]]:
    """Two versions of a folder that exercise every write path: near duplicates with their own
    extra text, a passage shared by several documents, a document contained in a later one."""
    p = _paragraphs()
    shared = p[40]
    extra = "Kontaktperson för planen är kommunens samordnare för våldsprevention, som nås via växeln."
    v1 = {
        "01_rutin.txt": "Rutin vid hot\n\n" + "\n\n".join(p[0:4]),
        "02_plan.txt": "Handlingsplan\n\n" + "\n\n".join([*p[4:8], shared]),
        "03_plan_kopia.txt": "Handlingsplan\n\n" + "\n\n".join([*p[4:8], shared, extra]),
        "04_plan_utskick.txt": "Handlingsplan\n\n"
        + "\n\n".join([*p[4:8], shared, extra])
        + "\n\nSkickad till nämnden.",
        "05_policy.txt": "Policy\n\n" + "\n\n".join([*p[10:12], shared]),
        "06_kort.txt": "Uppföljning\n\n" + "\n\n".join(p[14:16]),
        "07_lang.txt": "Uppföljning och analys\n\n" + "\n\n".join(p[14:19]),
        "08_english.txt": "Routine\n\n"
        + "The municipality offers support to victims of violence through its social services. " * 6,
    }
    v2 = dict(v1)
    v2["01_rutin.txt"] = "Rutin vid hot\n\n" + "\n\n".join([p[0], p[20], *p[2:4]])  # one paragraph replaced
    v2["02_plan.txt"] = "Handlingsplan\n\n" + "\n\n".join([*p[4:8], p[21]])  # the shared passage leaves
    v2["06_kort.txt"] = "Uppföljning\n\n" + "\n\n".join([p[14], p[22]])  # no longer inside 07
    v2["09_ny.txt"] = "Ny rutin\n\n" + "\n\n".join([*p[23:25], shared])
    return v1, v2


def write_corpus(folder: Path, files: dict[str, str]) -> None:
    for old in folder.glob("*"):
        old.unlink()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


class CountingEngine:
    """Counts the write requests of a clean run (the range the in-process kills are drawn from)."""

    def __init__(self, engine) -> None:
        self.writes = 0
        for name in WRITES:
            setattr(engine, name, self._counted(getattr(engine, name)))

    def _counted(self, method):
        def counted(*args, **kwargs):
            self.writes += 1
            return method(*args, **kwargs)

        return counted


@pytest.fixture(scope="module")
def crash_lab(tmp_path_factory, tiny_encoder):
    """Fixed paths (document ids come from them), both corpus versions and the clean results."""
    from api.service import VaksamService
    from search.settings import Settings

    root = tmp_path_factory.mktemp("crash")
    corpus, index = root / "corpus", root / "index"
    corpus.mkdir()
    v1, v2 = corpus_versions()
    settings = Settings(embedding_model=tiny_encoder.name, qdrant_path=index, passage_tokens=64, _env_file=None)

    def ingest() -> tuple[dict, int, float]:
        service = VaksamService(settings, encoder=tiny_encoder)
        counter = CountingEngine(service.store.engine)
        started = time.perf_counter()
        service.ingest([corpus], progress=False)
        seconds = time.perf_counter() - started
        result = snapshot(service.store), service.store.integrity_problems()
        service.close()
        assert result[1] == [], result[1]
        return result[0], counter.writes, seconds

    write_corpus(corpus, v1)
    fresh, fresh_writes, fresh_seconds = ingest()
    shutil.copytree(index, root / "index-v1")
    write_corpus(corpus, v2)
    updated, update_writes, update_seconds = ingest()
    assert fresh != updated
    kinds = {
        "fresh": {"files": v1, "start": None, "clean": fresh, "writes": fresh_writes, "seconds": fresh_seconds},
        "update": {
            "files": v2,
            "start": root / "index-v1",
            "clean": updated,
            "writes": update_writes,
            "seconds": update_seconds,
        },
    }
    return {"root": root, "corpus": corpus, "index": index, "settings": settings, "kinds": kinds}


def _reset(lab, kind) -> None:
    shutil.rmtree(lab["index"], ignore_errors=True)
    if kind["start"] is not None:
        shutil.copytree(kind["start"], lab["index"])
    write_corpus(lab["corpus"], kind["files"])


def _rerun(lab, tiny_encoder) -> tuple[dict, list[str]]:
    from api.service import VaksamService

    service = VaksamService(lab["settings"], encoder=tiny_encoder)
    try:
        service.ingest([lab["corpus"]], progress=False)
        return snapshot(service.store), service.store.integrity_problems()
    finally:
        service.close()


def _diff(got: dict, clean: dict) -> str:
    lines = []
    for part in ("documents", "passages"):
        got_rows, clean_rows = {repr(r) for r in got[part]}, {repr(r) for r in clean[part]}
        lines += [f"  {part} only after the crash: {r[:300]}" for r in sorted(got_rows - clean_rows)]
        lines += [f"  {part} only in a clean run:   {r[:300]}" for r in sorted(clean_rows - got_rows)]
    names = {row[0]: row[1] for row in clean["documents"]}
    return "\n".join(lines[:20]) + f"\n  documents: {names}"


def test_a_clean_run_is_deterministic(crash_lab, tiny_encoder):
    """The yardstick itself: the same folder twice gives the same index."""
    kind = crash_lab["kinds"]["update"]
    _reset(crash_lab, kind)
    assert _rerun(crash_lab, tiny_encoder) == (kind["clean"], [])


def test_kill_9_at_random_points_then_rerun_converges(crash_lab, ingest_child, tiny_encoder):
    rng = random.Random(SEED)
    landed = 0
    for round_no in range(RUNS):
        name = ("fresh", "update")[round_no % 2]
        kind = crash_lab["kinds"][name]
        _reset(crash_lab, kind)
        if round_no % 4 < 2:  # from outside, after a random delay
            how = f"after {kind['seconds']:.2f} s x {(fraction := rng.random()):.2f}"
            proc = ingest_child.start(crash_lab["index"], [crash_lab["corpus"]])
            time.sleep(kind["seconds"] * fraction)
            proc.send_signal(signal.SIGKILL)
        else:  # from inside, just before write number n
            n = rng.randint(1, kind["writes"])
            how = f"before write {n} of {kind['writes']}"
            proc = ingest_child.start(crash_lab["index"], [crash_lab["corpus"]], "--kill-at-write", str(n))
        try:
            returncode = proc.wait(timeout=300)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        finally:
            proc.stdout.close()
        landed += returncode == -signal.SIGKILL
        state, problems = _rerun(crash_lab, tiny_encoder)
        context = f"round {round_no} ({name}, killed {how}, seed {SEED})"
        assert problems == [], f"{context}: {problems[:5]}"
        assert state == kind["clean"], f"{context}: the rerun's index differs from a clean run's:\n" + _diff(
            state, kind["clean"]
        )
    print(f"{RUNS} rounds, {landed} killed mid-run, all converged (seed {SEED})")
    assert landed >= RUNS // 2
