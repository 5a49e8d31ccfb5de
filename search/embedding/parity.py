"""How close the int8 encoder's vectors come to fp32's on this CPU, measured once and remembered.

The int8 kernel differs between CPUs (``search/embedding/cpu.py``), so its quality is measured
where it runs, not assumed: a fixed sample (``parity_sample.json``: passages of the bundled corpus
as ingest cuts them and questions, with their prompts) is embedded by both models and the cosines
compared. Where the mean stays under the floor the encoder runs fp32 instead. The verdict is kept
beside the export, keyed by the CPU, ONNX Runtime's version and the export's settings, so each
machine pays for the check (a few seconds) once.

Usage::

    parity = measure(int8_model, fp32_model, *sample())
    parity.holds(0.997), parity.describe()
"""

from __future__ import annotations

import functools
import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

# The mean cosine to fp32 int8 must keep: the 8-bit export's .9953 on AVX2 CPUs cost the dev set a question.
PARITY_FLOOR = 0.997
SAMPLE_FILE = Path(__file__).with_name("parity_sample.json")


class _Embeds(Protocol):
    def encode(self, texts: list[str], *, prompt_name: str | None = None, batch_size: int = 16) -> np.ndarray: ...


@dataclass(frozen=True)
class Parity:
    """Cosine of a model's vectors to fp32's over a sample: the mean and the worst text."""

    mean: float
    minimum: float
    texts: int

    def holds(self, floor: float) -> bool:
        return self.mean >= floor

    def describe(self) -> str:
        return f"cosine to fp32 {self.mean:.4f} mean, {self.minimum:.4f} min over {self.texts} texts"


@functools.cache
def sample() -> tuple[list[str], list[str]]:
    """The packaged sample: (passages, questions)."""
    data = json.loads(SAMPLE_FILE.read_text(encoding="utf-8"))
    return list(data["passages"]), list(data["questions"])


def embed_sample(model: _Embeds, passages: list[str], questions: list[str]) -> np.ndarray:
    """Passages and questions with their prompts, as ingest and search embed them, one matrix."""
    return np.vstack(
        [model.encode(passages, prompt_name="passage"), model.encode(questions, prompt_name="query")]
    ).astype(np.float32)


def cosines(vectors: np.ndarray, reference: np.ndarray) -> Parity:
    """Row-wise cosine of two matrices of the same texts."""
    a = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    b = reference / np.maximum(np.linalg.norm(reference, axis=1, keepdims=True), 1e-12)
    found = np.sum(a * b, axis=1)
    return Parity(float(found.mean()), float(found.min()), len(found))


def measure(candidate: _Embeds, reference: _Embeds, passages: list[str], questions: list[str]) -> Parity:
    return cosines(embed_sample(candidate, passages, questions), embed_sample(reference, passages, questions))


class ParityRecords:
    """Verdicts kept in a JSON file: one per CPU, ONNX Runtime version and export."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, signature: str) -> Parity | None:
        found = self._read().get(signature)
        if not isinstance(found, dict):
            return None
        try:
            return Parity(float(found["mean"]), float(found["minimum"]), int(found["texts"]))
        except (TypeError, KeyError, ValueError):
            return None

    def put(self, signature: str, parity: Parity) -> None:
        """Remember a verdict; a folder that cannot be written costs a new check next time, nothing more."""
        data = self._read()
        data[signature] = {**asdict(parity), "measured": datetime.now(UTC).isoformat(timespec="seconds")}
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            log.info("could not keep the int8 parity check in %s (%s); it runs again next time", self.path, exc)
