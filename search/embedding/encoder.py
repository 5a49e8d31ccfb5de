"""The embedding model as the index sees it: text in, normalised vectors out.

E5 models are asymmetric: queries and passages need their own prompts
(``query: `` / ``passage: ``). The prompts are read from the model folder's
``config_sentence_transformers.json`` so any sentence-transformers model with
prompts works; a model without them is used as is.

Usage::

    encoder = Encoder.load(settings)
    vectors = encoder.encode_passages(["Våld i nära relationer ..."])
    query = encoder.encode_query("Vilka kommuner har infört MVP?")
"""

from __future__ import annotations

import copy
import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from search.embedding.resolve import resolve_model
from search.embedding.runtime import EncoderRuntime
from search.modes import EncoderBackend
from search.settings import Settings

log = logging.getLogger(__name__)

QUERY_PROMPT_NAMES = ("query",)
PASSAGE_PROMPT_NAMES = ("passage", "document")
TOKEN_BATCH = 1024


class Encoder:
    """A loaded sentence-transformers model with query/passage prompts and a query cache."""

    def __init__(
        self,
        model,
        name: str,
        batch_size: int = 16,
        cache_size: int = 1024,
        backend: EncoderBackend = EncoderBackend.TORCH,
        runtime: EncoderRuntime | None = None,
    ) -> None:
        self.model = model
        self.name = name
        self.backend = backend
        self.runtime = runtime or EncoderRuntime(backend=backend.value, precision="fp32", onnxruntime=None)
        self.batch_size = batch_size
        self.dimension = int(model.get_embedding_dimension())
        self.max_tokens = int(model.max_seq_length or 512)
        prompts = getattr(model, "prompts", {}) or {}
        self._query_prompt = next((n for n in QUERY_PROMPT_NAMES if prompts.get(n)), None)
        self._passage_prompt = next((n for n in PASSAGE_PROMPT_NAMES if prompts.get(n)), None)
        self._prompt_text = {n: prompts[n] for n in (self._query_prompt, self._passage_prompt) if n}
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @classmethod
    def load(cls, settings: Settings) -> Encoder:
        """Resolve ``settings.embedding_model`` (offline first) and load it on the CPU with the
        configured backend (ONNX exports are made from the local folder once and cached)."""
        path = resolve_model(settings.embedding_model, settings.model_dir)
        local = Path(path).is_dir()
        backend = settings.encoder_backend
        log.info("loading embedding model %s from %s (%s)", settings.embedding_model, path, backend.value)
        if backend != EncoderBackend.TORCH:
            from search.embedding.onnx_model import OnnxSentenceModel

            onnx_model = OnnxSentenceModel.load(
                Path(path),
                quantized=backend == EncoderBackend.ONNX_INT8,
                cache_dir=settings.model_dir / "onnx",
                threads=settings.torch_threads,
                min_cosine=settings.int8_min_cosine,
            )
            runtime = onnx_model.runtime
            log.info("embedding model runs %s: %s", runtime.precision, "; ".join(runtime.lines()))
            return cls(
                onnx_model, settings.embedding_model, batch_size=settings.batch_size, backend=backend, runtime=runtime
            )
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars would pollute --json output

        if settings.torch_threads:
            torch.set_num_threads(settings.torch_threads)
        model = SentenceTransformer(path, device="cpu", local_files_only=local)
        return cls(model, settings.embedding_model, batch_size=settings.batch_size)

    def _encode(self, texts: list[str], prompt_name: str | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            prompt_name=prompt_name,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), self._passage_prompt)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query; repeated queries come from an LRU cache."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = self._encode([text], self._query_prompt)[0]
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vector

    def token_vectors(
        self, texts: Sequence[str], *, passage: bool = True, batch_size: int | None = None
    ) -> list[np.ndarray]:
        """Unit-length contextual vectors of each text's own tokens, for late interaction: the
        prompt and the start and end marks are left out (an empty text keeps them all).
        ``batch_size`` defaults to the encoder's."""
        name = self._passage_prompt if passage else self._query_prompt
        if not texts:
            return []
        batch = batch_size or self.batch_size
        if self.backend == EncoderBackend.TORCH:
            found = self.model.encode(
                list(texts),
                prompt_name=name,
                output_value="token_embeddings",
                batch_size=batch,
                show_progress_bar=False,
            )
            found = [t.float().numpy() for t in found]
        else:
            found = self.model.token_embeddings(list(texts), prompt_name=name, batch_size=batch)
        skip = self._leading_tokens(name)
        out = []
        for tokens in found:
            kept = tokens[skip:-1] if len(tokens) > skip + 1 else tokens
            norms = np.linalg.norm(kept, axis=1, keepdims=True)
            out.append(np.asarray(kept / np.maximum(norms, 1e-12), dtype=np.float32))
        return out

    @functools.cache  # noqa: B019 - one entry per prompt name, for the encoder's lifetime
    def _leading_tokens(self, prompt_name: str | None) -> int:
        """How many tokens come before a text's own: the start mark and the prompt's (the common
        prefix of two texts that differ in their first letter, so a prompt ending in a space that
        joins the next word, as e5's SentencePiece does, is counted right)."""
        prompt = self._prompt_text.get(prompt_name, "") if prompt_name else ""
        tokenizer = self._counting_tokenizer
        first, second = (tokenizer(prompt + letter, add_special_tokens=True)["input_ids"] for letter in "AZ")
        return next((i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b), len(first))

    @functools.cached_property
    def _counting_tokenizer(self):  # noqa: ANN202 - a tokenizer of either backend
        """A tokenizer for counting that is safe to call while the model embeds on another thread
        (ingest reads files ahead): a transformers tokenizer sets truncation on its shared Rust
        tokenizer at every call, so counting gets a copy of its own."""
        tokenizer = self.model.tokenizer
        return tokenizer if getattr(tokenizer, "thread_safe", False) else copy.deepcopy(tokenizer)

    def count_tokens(self, text: str, *, passage: bool = True) -> int:
        """Tokens the model sees for ``text`` including its prompt and special tokens."""
        name = self._passage_prompt if passage else self._query_prompt
        prompt = self._prompt_text.get(name, "") if name else ""
        return len(self._counting_tokenizer(prompt + text, add_special_tokens=True)["input_ids"])

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        """Token counts of many passages at once (fast path of the Rust tokenizer), in slices of
        ``TOKEN_BATCH`` texts: the tokenizer keeps every encoding of a call alive, and one call for
        the 60,000 sentences of a 5 MB text held 570 MB."""
        prompt = self._prompt_text.get(self._passage_prompt, "") if self._passage_prompt else ""
        tokenizer = self._counting_tokenizer
        count = getattr(tokenizer, "lengths", None)  # the ONNX backend's lean tokenizer counts faster
        lengths: list[int] = []
        for start in range(0, len(texts), TOKEN_BATCH):
            batch = [prompt + t for t in texts[start : start + TOKEN_BATCH]]
            if count is not None:
                lengths.extend(count(batch))
            else:
                lengths.extend(len(ids) for ids in tokenizer(batch, add_special_tokens=True)["input_ids"])
        return lengths
