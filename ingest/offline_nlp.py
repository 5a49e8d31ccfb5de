"""Keep ``unstructured`` offline: give it a blank Swedish spaCy pipeline.

unstructured 0.27 fetches the ``en_core_web_sm`` wheel from GitHub the first
time it needs sentence boundaries or part-of-speech tags, which fails on a
machine without internet. It only uses the pipeline for sentence counts (and,
for English text, verb detection); a blank Swedish pipeline with spaCy's
rule-based sentencizer serves our Swedish documents and downloads nothing.
An installed ``en_core_web_sm`` is still preferred when present.

This replaces the loader ``unstructured.nlp.tokenize._load_spacy_model``;
unstructured has no public setting for it (checked against 0.27.32).
"""

from __future__ import annotations

import functools


@functools.cache
def _blank_swedish():
    import spacy

    try:
        return spacy.load("en_core_web_sm", exclude=["ner", "lemmatizer", "attribute_ruler"])
    except OSError:
        nlp = spacy.blank("sv")
        nlp.add_pipe("sentencizer")
        return nlp


@functools.cache
def install() -> None:
    """Point unstructured at the offline pipeline; safe to call many times."""
    import os

    os.environ.setdefault("UNSTRUCTURED_DISABLE_NOTICE", "1")
    os.environ.setdefault("SCARF_NO_ANALYTICS", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    from unstructured.nlp import tokenize

    tokenize._load_spacy_model = _blank_swedish
    tokenize._get_nlp.cache_clear()
