"""Skip unstructured's narrative-text test for HTML and Markdown: Vaksam never reads its answer.

unstructured's HTML parser (Markdown goes through it too) gives text without a tag of its own
(``<p>``, ``<div>``, table-less text) a type by ``derive_element_type_from_text``: list item,
address, e-mail address, and then ``NarrativeText`` or ``Text`` by ``is_possible_narrative_text``,
which runs every paragraph through the spaCy pipeline (sentence count, word tokens, capital
ratio). Vaksam reads ``NarrativeText`` and ``Text`` alike, as a paragraph (``ingest.parsing``;
headings come from ``<h1>``-``<h6>``, which that test never sees), so the test changes nothing
in what a file becomes but cost 3.1 s of the 17.6 s it took to prepare the real corpus's 758
files (one run, 2-core machine), the largest single share of preparing outside pdfminer.

This keeps every cheap check in unstructured's order and answers ``NarrativeText`` where it
would have run the test. Checked against unstructured 0.27.32: the blocks of all 768 files of
the real corpus, the seeds and the test fixtures come out identical. PDF, DOCX, PPTX and plain
text do not use this function; their Title/narrative split matters and is left alone.
"""

from __future__ import annotations

import functools


@functools.cache
def install() -> None:
    """Replace ``derive_element_type_from_text`` in unstructured's HTML parser; safe to call many times."""
    from unstructured.documents.elements import Address, EmailAddress, ListItem, NarrativeText, Text
    from unstructured.partition.html import parser
    from unstructured.partition.text_type import is_bulleted_text, is_email_address, is_us_city_state_zip

    if not hasattr(parser, "derive_element_type_from_text"):
        return  # another unstructured: keep its own classifier

    def derive_element_type_from_text(text: str) -> type[Text] | None:
        if is_bulleted_text(text):
            return ListItem
        if is_us_city_state_zip(text):
            return Address
        if is_email_address(text):
            return EmailAddress
        if len(text) < 2:
            return None
        return NarrativeText

    parser.derive_element_type_from_text = derive_element_type_from_text
