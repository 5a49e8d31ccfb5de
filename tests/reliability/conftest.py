"""Helpers for the reliability suite: ingest runs and servers in their own processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def pytest_collection_modifyitems(items):
    for item in items:
        if "/reliability/" in str(item.fspath):
            item.add_marker(pytest.mark.reliability)


def child_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("VAKSAM_QDRANT_URL", None)
    return env


def server_env(model: str, model_dir: Path, root: Path, keys: Path, **settings: str) -> dict[str, str]:
    """The environment of a `vaksam serve` on the tiny model, its index and uploads under ``root``;
    ``settings`` are more VAKSAM_ variables by their lower-case names (``rate_limit="60"``)."""
    return {
        **child_env(),
        "VAKSAM_EMBEDDING_MODEL": model,
        "VAKSAM_MODEL_DIR": str(model_dir),
        "VAKSAM_QDRANT_PATH": str(root / "index"),
        "VAKSAM_UPLOADS_DIR": str(root / "uploads"),
        "VAKSAM_KEYS_FILE": str(keys),
        "VAKSAM_PASSAGE_TOKENS": "64",
        "VAKSAM_RATE_LIMIT": "0",
        **{f"VAKSAM_{name.upper()}": value for name, value in settings.items()},
    }


class IngestChild:
    """`python -m tests.reliability.ingest_child` with one model folder shared by every run (the
    tiny model's ONNX export is made once)."""

    def __init__(self, model: Path, model_dir: Path) -> None:
        self.model, self.model_dir = model, model_dir

    def command(self, index: Path, paths: list[Path], *extra: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "tests.reliability.ingest_child",
            "--model",
            str(self.model),
            "--model-dir",
            str(self.model_dir),
            "--index",
            str(index),
            *extra,
            *map(str, paths),
        ]

    def run(self, index: Path, paths: list[Path], *extra: str, timeout: float = 600) -> dict:
        """Run to the end; the JSON it printed."""
        done = subprocess.run(
            self.command(index, paths, *extra),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=child_env(),
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self, index: Path, paths: list[Path], *extra: str) -> subprocess.Popen:
        """Start it and return once it says ``ready`` (model loaded, index open)."""
        proc = subprocess.Popen(
            self.command(index, paths, *extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=child_env(),
            cwd=ROOT,
        )
        line = proc.stdout.readline()
        assert line.strip() == "ready", f"the ingest child said {line!r}"
        return proc


@pytest.fixture(scope="session")
def ingest_child(tiny_model_dir, tmp_path_factory) -> IngestChild:
    return IngestChild(tiny_model_dir, tmp_path_factory.mktemp("child-models"))
