"""The processor as ONNX Runtime's int8 kernels see it: which instructions its products use.

ONNX Runtime picks its int8 matrix kernel from the CPU: with VNNI (``avx512_vnni``, ``avx_vnni``)
four u8 x s8 products are summed straight into 32 bits; with AVX2 or AVX-512BW alone two products are
first summed into 16 bits with saturation (``vpmaddubsw``), so 8-bit weights can clip there. That is
why the same int8 model gave other vectors on an AVX2-only CPU. The flags are read from
``/proc/cpuinfo`` (the names ``grep`` finds there); elsewhere from NumPy's own CPUID probe.

Usage::

    cpu = CpuInfo.detect()
    cpu.describe()  # 'AMD EPYC (x86_64): avx2 avx512f avx512bw avx512_vnni; int8 kernel: VNNI, 32-bit sums'
"""

from __future__ import annotations

import functools
import platform
from dataclasses import dataclass
from pathlib import Path

# The flags that choose ONNX Runtime's int8 kernel, as /proc/cpuinfo names them.
INT8_FLAGS = ("avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8")
_VNNI = ("avx512_vnni", "avx_vnni", "amx_int8")
# NumPy's CPUID names for the same flags, where /proc/cpuinfo is missing (macOS, Windows).
_NUMPY_NAMES = {"AVX2": "avx2", "AVX512F": "avx512f", "AVX512BW": "avx512bw", "AVX512VNNI": "avx512_vnni"}


@dataclass(frozen=True)
class CpuInfo:
    """The processor's name, architecture and the int8-relevant flags it has."""

    model: str
    machine: str
    flags: tuple[str, ...]

    @classmethod
    @functools.cache
    def detect(cls) -> CpuInfo:
        machine = platform.machine() or "unknown"
        try:
            text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return cls(platform.processor() or machine, machine, _numpy_flags())
        return cls.from_cpuinfo(text, machine)

    @classmethod
    def from_cpuinfo(cls, text: str, machine: str) -> CpuInfo:
        """Parse ``/proc/cpuinfo`` (x86's ``flags``, Arm's ``Features``)."""
        model, found = "", set()
        for line in text.splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key in ("model name", "Model", "cpu model") and not model:
                model = value.strip()
            elif key in ("flags", "Features"):
                found.update(value.split())
        return cls(model or machine, machine, tuple(f for f in INT8_FLAGS if f in found))

    @property
    def vnni(self) -> bool:
        return any(f in self.flags for f in _VNNI)

    @property
    def avx512(self) -> bool:
        return "avx512f" in self.flags

    @property
    def int8_kernel(self) -> str:
        """How int8 products are summed on this CPU, in words."""
        if self.vnni:
            return "VNNI, 32-bit sums"
        if "avx512bw" in self.flags:
            return "AVX-512BW, pairs summed in 16 bits"
        if "avx2" in self.flags:
            return "AVX2, pairs summed in 16 bits"
        if self.machine.lower() in ("aarch64", "arm64"):
            return "Arm dot products, 32-bit sums"
        return "SSE or other, widened products"

    def describe(self) -> str:
        flags = " ".join(self.flags) or "none of " + " ".join(INT8_FLAGS)
        return f"{self.model} ({self.machine}): {flags}; int8 kernel: {self.int8_kernel}"

    def as_dict(self) -> dict:
        return {
            "model": self.model,
            "machine": self.machine,
            "flags": list(self.flags),
            "vnni": self.vnni,
            "avx512": self.avx512,
            "int8_kernel": self.int8_kernel,
        }


def _numpy_flags() -> tuple[str, ...]:
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # pragma: no cover - a NumPy without the probe
        return ()
    found = {name for key, name in _NUMPY_NAMES.items() if features.get(key)}
    return tuple(f for f in INT8_FLAGS if f in found)
