"""What actually runs the embedding model on this machine, for ``vaksam model``, ``/healthz`` and logs.

The configured backend is a wish: ``onnx-int8`` runs fp32 on a CPU where the int8 vectors drift
from fp32's (``search/embedding/parity.py``). This record says which precision runs, why, how
close it came, and on which CPU, so a quality difference between machines can be told from a
ranking regression.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from search.embedding.cpu import CpuInfo
from search.embedding.parity import Parity


def _onnxruntime_version() -> str | None:
    try:
        import onnxruntime
    except ImportError:  # pragma: no cover - a core dependency
        return None
    return str(onnxruntime.__version__)


@dataclass(frozen=True)
class EncoderRuntime:
    """The backend asked for, the precision that runs, and the evidence for the choice."""

    backend: str
    precision: str | None  # "fp32" or "int8"; None before the model is loaded
    quantization: str | None = None  # how the int8 model is made, when int8 was asked for
    parity: Parity | None = None  # int8 against fp32 on this CPU, when int8 was asked for
    parity_floor: float | None = None
    fallback: str | None = None  # why fp32 runs although int8 was asked for
    cpu: CpuInfo = field(default_factory=CpuInfo.detect)
    onnxruntime: str | None = field(default_factory=_onnxruntime_version)

    def lines(self) -> list[str]:
        """Human-readable lines, one fact each."""
        out = [f"precision: {self.precision}" + (f" ({self.quantization})" if self.precision == "int8" else "")]
        if self.parity is not None:
            verdict = "kept" if self.fallback is None else "not kept"
            out.append(f"int8 parity: {self.parity.describe()} (floor {self.parity_floor:.3f}: int8 {verdict})")
        if self.fallback:
            out.append(f"fallback: {self.fallback}")
        out.append(f"cpu: {self.cpu.describe()}")
        if self.onnxruntime:
            out.append(f"onnxruntime: {self.onnxruntime}")
        return out

    def as_dict(self) -> dict:
        return {
            "backend": self.backend,
            "precision": self.precision,
            "quantization": self.quantization,
            "parity_mean": None if self.parity is None else round(self.parity.mean, 5),
            "parity_min": None if self.parity is None else round(self.parity.minimum, 5),
            "parity_floor": self.parity_floor,
            "fallback": self.fallback,
            "cpu": self.cpu.as_dict(),
            "onnxruntime": self.onnxruntime,
        }
