"""Start-up objects built with the cyclic collector paused and frozen afterwards."""

import gc

import pytest

from ingest.long_lived import long_lived


@pytest.fixture(autouse=True)
def _restore_gc():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


def test_objects_built_inside_are_frozen_and_the_collector_comes_back():
    gc.enable()
    before = gc.get_freeze_count()
    with long_lived():
        assert not gc.isenabled()
        table = [[i] for i in range(5_000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(table)


def test_a_failure_inside_still_restores_the_collector():
    gc.enable()
    with pytest.raises(ValueError), long_lived():
        raise ValueError("bad dictionary")
    assert gc.isenabled()


def test_a_collector_paused_outside_stays_paused():
    gc.disable()
    with long_lived():
        pass
    assert not gc.isenabled()
