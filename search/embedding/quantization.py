"""How the int8 encoder is made from the fp32 graph: which weights become int8, and in how many bits.

Dynamic quantisation (ONNX Runtime's ``quantize_dynamic``): weights int8 with one scale per output
channel, activations quantised per batch at run time. Two choices make it give the same vectors on
every x86 CPU (``benchmarks/int8_exports.py``, numbers in ``benchmarks/README.md``):

* ``reduce_range``: weights in 7 bits, so a pair of u8 x s7 products (at most 2 x 255 x 64) never
  overflows the 16-bit sums of the AVX2 and AVX-512BW kernels; without it the AVX2 path clips and its
  vectors drift from the VNNI path's (cosine to fp32 .9953 instead of .9962 on the parity sample).
* ``fp32_ffn_outputs``: the feed-forward output projection of the layers whose GELU activations have
  outliers stays fp32; quantising them costs most of int8's error (layer 4's alone .0019 of cosine).

The settings travel in the exported file (``metadata_props``) and in its name, so a change of choice
makes a new export instead of loading a stale one.

Usage::

    export = Int8Export()  # the product's choice
    quantize(Path("model.onnx"), Path("model_int8-<key>.onnx"), export)
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path

METADATA_KEY = "vaksam.int8"
_FFN_OUTPUT = re.compile(r"/layer\.(\d+)/output/dense/MatMul")


@dataclass(frozen=True)
class Int8Export:
    """One way of quantising the fp32 graph; the defaults are the product's choice."""

    per_channel: bool = True
    reduce_range: bool = True
    # Transformer layers (0-based) whose feed-forward output projection stays fp32.
    fp32_ffn_outputs: tuple[int, ...] = (0, 4, 5)

    def key(self) -> str:
        """A short stable name of these settings, for the file name and the cache."""
        return hashlib.sha1(self.to_json().encode()).hexdigest()[:10]

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Int8Export:
        data = json.loads(text)
        data["fp32_ffn_outputs"] = tuple(data.get("fp32_ffn_outputs", ()))
        return cls(**data)

    def file_name(self) -> str:
        return f"model_int8-{self.key()}.onnx"

    def describe(self) -> str:
        bits = "7-bit weights (reduce_range)" if self.reduce_range else "8-bit weights"
        scales = "per channel" if self.per_channel else "per tensor"
        kept = ", ".join(str(i) for i in self.fp32_ffn_outputs)
        layers = "layers" if len(self.fp32_ffn_outputs) > 1 else "layer"
        fp32 = f", feed-forward output of {layers} {kept} in fp32" if kept else ""
        return f"dynamic int8, {bits}, {scales}{fp32}"

    def excluded_nodes(self, node_names: list[str]) -> list[str]:
        """The MatMul nodes of the fused graph that stay fp32."""
        kept = set(self.fp32_ffn_outputs)
        out = []
        for name in node_names:
            match = _FFN_OUTPUT.search(name)
            if match and "/attention/" not in name and int(match.group(1)) in kept:
                out.append(name)
        return out


class _DropRecordsFrom(logging.Filter):
    """Drops the records a library logs on the root logger from files under ``path_part``."""

    def __init__(self, path_part: str) -> None:
        super().__init__()
        self.path_part = path_part

    def filter(self, record: logging.LogRecord) -> bool:
        return self.path_part not in record.pathname.replace("\\", "/")


def quantize(fp32: Path, target: Path, export: Int8Export) -> Path:
    """Write the int8 model of ``fp32`` to ``target`` with ``export``'s settings recorded in it."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # A model with fewer layers keeps those it has; the parity check judges the result on each CPU.
    names = [node.name for node in onnx.load(str(fp32), load_external_data=False).graph.node]
    excluded = export.excluded_nodes(names)
    quiet = _DropRecordsFrom("onnxruntime/quantization")  # its advice on pre-processing, per tensor notes
    logging.getLogger().addFilter(quiet)
    try:
        quantize_dynamic(
            str(fp32),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=export.per_channel,
            reduce_range=export.reduce_range,
            nodes_to_exclude=excluded,
            extra_options={"DefaultTensorType": 1},  # FLOAT, for the fused ops shape inference skips
        )
    finally:
        logging.getLogger().removeFilter(quiet)
    model = onnx.load(str(target))
    onnx.helper.set_model_props(model, {METADATA_KEY: export.to_json()})
    onnx.save(model, str(target))
    return target


def recorded_export(metadata: dict[str, str]) -> Int8Export | None:
    """The settings an int8 file was made with, from its session's ``custom_metadata_map`` (None
    when it carries none, or they do not parse)."""
    try:
        return Int8Export.from_json(metadata[METADATA_KEY]) if METADATA_KEY in metadata else None
    except (ValueError, TypeError):
        return None
