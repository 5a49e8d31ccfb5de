"""The ``vaksam`` command line, thin over :class:`api.service.VaksamService`.

Usage::

    vaksam ingest data/corpus --prune
    vaksam search "Vilka kommuner har infört MVP i skolan?" --limit 5
    vaksam serve --port 8000
    vaksam export --to-url http://qdrant:6333
    vaksam eval --queries ../shared/eval/dev_queries.jsonl
"""

from __future__ import annotations

import json
import logging
import os
import sys
import textwrap
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from api.citations import CitationFormat, render
from api.service import MAX_OFFSET, QueryError, VaksamService
from api.settings import ApiSettings, get_settings
from ingest.preparation import warm_up_in_background
from search.embedding.resolve import ModelNotAvailableError
from search.filters import SearchFilters
from search.modes import GroupBy, IndexEngine, SearchMode, SortOrder
from search.store import QdrantStore, StoreError

app = typer.Typer(
    help="Vaksam: semantisk sökning i svenska dokument om våldsprevention.", no_args_is_help=True, add_completion=False
)


def _service() -> VaksamService:
    return VaksamService(get_settings())


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.secho(f"fel: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _print_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders to index.")],
    prune: Annotated[bool, typer.Option(help="Remove documents whose files are gone.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    strict: Annotated[bool, typer.Option(help="Exit with status 1 when any file failed.")] = False,
    rebuild: Annotated[
        bool, typer.Option(help="Drop the collection first (after a model change or a Vaksam upgrade).")
    ] = False,
) -> None:
    """Index PDF, DOCX, PPTX, HTML, Markdown and text files."""
    warm_up_in_background()  # the parsers load while the model loads
    service = _service()
    try:
        summary = service.ingest(paths, prune=prune, progress=progress, rebuild=rebuild)
    except (StoreError, ModelNotAvailableError) as exc:
        _fail(str(exc))
    finally:
        service.close()
    typer.echo(summary.render())
    if strict and summary.failed:
        raise typer.Exit(1)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="The question, in Swedish or English.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100)] = 10,
    document: Annotated[str | None, typer.Option(help="Only this document id.")] = None,
    language: Annotated[str | None, typer.Option(help="Only passages in this language (sv, en, ...).")] = None,
    organisation: Annotated[str | None, typer.Option(help="Only documents by this organisation.")] = None,
    doc_type: Annotated[
        str | None, typer.Option("--type", help="Only this document type (beslut, rapport...).")
    ] = None,
    program: Annotated[str | None, typer.Option(help="Only documents naming this program id (mvp, taget...).")] = None,
    year_from: Annotated[int | None, typer.Option(help="Only documents dated this year or later.")] = None,
    year_to: Annotated[int | None, typer.Option(help="Only documents dated this year or earlier.")] = None,
    mode: Annotated[SearchMode | None, typer.Option(help="dense, sparse or hybrid (default: hybrid).")] = None,
    group_by: Annotated[
        GroupBy | None,
        typer.Option(help="document: LIMIT documents; organisation: LIMIT organisations, documents by date."),
    ] = None,
    diversity: Annotated[float | None, typer.Option(min=0, max=1, help="0-1: push repeats down (MMR).")] = None,
    offset: Annotated[int, typer.Option(min=0, max=MAX_OFFSET, help="Hits to skip (the next page).")] = 0,
    sort: Annotated[SortOrder, typer.Option(help="relevance, or date (relevant hits, newest first).")] = (
        SortOrder.RELEVANCE
    ),
    recency: Annotated[float, typer.Option(min=0, max=1, help="0-1: lift newer documents (0: off).")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON.")] = False,
) -> None:
    """Search the index and print the best passages."""
    filters = _filters(document, language, organisation, doc_type, program, year_from, year_to)
    service = _service()
    try:
        result = service.search(
            query,
            limit,
            filters=filters,
            mode=mode,
            group_by=group_by,
            diversity=diversity,
            offset=offset,
            sort=sort,
            recency=recency,
        )
    except (QueryError, StoreError, ModelNotAvailableError) as exc:
        _fail(str(exc))
    finally:
        service.close()
    if as_json:
        _print_json(result.model_dump())
        return
    if result.did_you_mean:
        typer.secho(f"Menade du: {result.did_you_mean.text}?", fg=typer.colors.YELLOW)
    if result.expansion:
        searched = [*result.expansion.corrections.values(), *(a for s in result.expansion.synonyms for a in s.added)]
        typer.echo("Sökte även efter: " + ", ".join(searched))
    if result.notice:
        typer.secho(result.notice.message, fg=typer.colors.YELLOW)
        for suggestion in result.notice.suggestions:
            typer.echo(f"  – {suggestion.label}")
    if not result.hits:
        if not result.notice:
            typer.echo("Inga träffar. Prova andra ord, eller indexera dokument med `vaksam ingest`.")
        return
    if result.organisations is not None:
        _print_timelines(result.organisations)
    else:
        _print_hits(result.hits, start=result.offset + 1)
    more = f"; fler med --offset {result.offset + limit}" if result.has_more else ""
    typer.echo(f"{result.total} träffar på {result.took_ms:.0f} ms{more}")


@app.command()
def suggest(
    text: Annotated[str, typer.Argument(help="What has been typed so far.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=20)] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Completions of a search being typed: program names, titles, headings and index words."""
    service = _service()
    try:
        found = service.suggest(text, limit)
    except (QueryError, StoreError) as exc:
        _fail(str(exc))
    finally:
        service.close()
    if as_json:
        _print_json([{"text": c.text, "kind": c.kind.value, "weight": c.weight} for c in found])
        return
    for completion in found:
        typer.echo(f"{completion.text}  ({_KIND_NAMES[completion.kind.value]})")


@app.command()
def cite(
    passage_ids: Annotated[list[str], typer.Argument(help="Passage ids (from `vaksam search --json` or the API).")],
    fmt: Annotated[
        CitationFormat, typer.Option("--format", "-f", help="text (Swedish reference list), csl-json or ris.")
    ] = CitationFormat.TEXT,
    read: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="The date the sources were read (default: today).")
    ] = None,
) -> None:
    """References for passages: organisation, year, title, diarienummer, page, address, date read."""
    settings = get_settings()
    service = _service()
    try:
        base = str(settings.public_url or f"http://{settings.host}:{settings.port}/")
        references, missing = service.references(passage_ids, base)
    except (QueryError, StoreError) as exc:
        _fail(str(exc))
    finally:
        service.close()
    if missing:
        _fail(f"no passage with id {', '.join(missing)}", code=1)
    typer.echo(render(references, fmt, read.date() if read else date.today()), nl=False)


@app.command()
def stats(
    days: Annotated[int | None, typer.Option(min=1, max=3650, help="The last N days (default: all kept).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Searches per day and the questions that found nothing or only weak hits (VAKSAM_QUERY_STATS)."""
    from api.query_stats import QueryStats

    settings = get_settings()
    if not settings.query_stats:
        _fail("query statistics are off: set VAKSAM_QUERY_STATS=true to keep them", code=1)
    summary = QueryStats(settings.query_stats_file, settings.query_stats_days).summary(days)
    if as_json:
        _print_json(summary.__dict__)
        return
    typer.echo(
        f"{summary.since} – idag: {summary.searches} sökningar, {summary.no_hits} utan träffar, "
        f"{summary.weak} med svaga träffar"
    )
    for row in summary.queries:
        typer.echo(f"  {row['no_hits'] + row['weak']:>5}  {row['query']}  (senast {row['last_day']})")


_KIND_NAMES = {"program": "program", "title": "titel", "heading": "rubrik", "term": "ord"}


def _print_timelines(organisations) -> None:
    for group in organisations:
        typer.secho(group.organisation, bold=True)
        for entry in group.documents:
            doc = entry.document
            when = doc.date or (str(doc.year) if doc.year else "odaterat")
            numbers = f"  Dnr {', '.join(doc.diarienummer)}" if doc.diarienummer else ""
            typer.echo(f"  {when}  {doc.title}" + (f" ({doc.document_type})" if doc.document_type else "") + numbers)
            for hit in entry.hits[:1]:
                typer.echo(textwrap.fill(hit.snippet, width=100, initial_indent="      ", subsequent_indent="      "))


def _print_hits(hits, start: int = 1) -> None:
    for rank, hit in enumerate(hits, start):
        where = ", ".join(x for x in (f"s. {hit.page}" if hit.page else "", " › ".join(hit.section)) if x)
        typer.secho(f"{rank:>2}. {hit.document.title}  ({hit.score:.3f})", bold=True)
        typer.echo(f"    {hit.document.source}" + (f"  [{where}]" if where else "") + f"  id {hit.id}")
        typer.echo(textwrap.fill(hit.snippet, width=100, initial_indent="    ", subsequent_indent="    "))


@app.command()
def similar(
    passage_id: Annotated[str, typer.Argument(help="A passage id (from `vaksam search` or the API).")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Passages from other documents most like this one (precedents)."""
    service = _service()
    try:
        found = service.similar(passage_id, limit)
        hits = [service.searcher.hit(item, []) for item in found] if found is not None else None
    except (QueryError, StoreError, ModelNotAvailableError) as exc:
        _fail(str(exc))
    finally:
        service.close()
    if hits is None:
        _fail(f"no passage with id {passage_id!r}", code=1)
    if as_json:
        _print_json([h.model_dump() for h in hits])
    elif not hits:
        typer.echo("Inga liknande passager i andra dokument.")
    else:
        _print_hits(hits)


def _filters(document, language, organisation, doc_type, program, year_from, year_to) -> SearchFilters:
    try:
        return SearchFilters.checked(
            document=document,
            language=language,
            organisation=organisation,
            document_type=doc_type,
            program=program,
            year_from=year_from,
            year_to=year_to,
        )
    except ValueError as exc:
        _fail(str(exc))


@app.command()
def facets(
    query: Annotated[str | None, typer.Argument(help="A question; without one, counts cover the whole index.")] = None,
    program: Annotated[str | None, typer.Option(help="Only documents naming this program id.")] = None,
    organisation: Annotated[str | None, typer.Option(help="Only documents by this organisation.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Documents per organisation, document type, program, year and language."""
    from ingest.metadata import document_type_names, program_names

    filters = _filters(None, None, organisation, None, program, None, None)
    service = _service()
    try:
        counts = service.facets(query, filters=filters)
    except (QueryError, StoreError, ModelNotAvailableError) as exc:
        _fail(str(exc))
    finally:
        service.close()
    if as_json:
        _print_json(counts)
        return
    labels = {"programs": program_names(), "document_type": document_type_names()}
    for facet, values in counts.items():
        typer.secho(facet, bold=True)
        for value, n in values.items():
            typer.echo(f"  {labels.get(facet, {}).get(value, value)} ({n})")


@app.command()
def documents(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the documents: status (indexed, duplicate of, failed: reason), passages and metadata."""
    service = _service()
    try:
        docs = service.documents()
    except StoreError as exc:
        _fail(str(exc))
    finally:
        service.close()
    if as_json:
        _print_json([d.model_dump() for d in docs])
        return
    if not docs:
        typer.echo("Inga dokument indexerade ännu.")
        return
    titles = {d.id: d.title for d in docs}
    typer.echo(f"{'id':16}  {'status':9}  {'språk':5}  {'passager':>8}  {'sidor':>5}  titel / källa / metadata")
    for d in docs:
        typer.echo(f"{d.id:16}  {d.status:9}  {d.language:5}  {d.passages:>8}  {d.pages or '':>5}  {d.title[:70]}")
        pad = " " * 55
        typer.echo(f"{pad}{d.source}")
        facts = [
            d.document_type,
            d.organisation,
            d.date,
            ", ".join(d.diarienummer[:3]),
            ", ".join(d.programs),
            d.source_url,
        ]
        if any(facts):
            typer.echo(pad + " · ".join(f for f in facts if f))
        if d.status == "duplicate":
            typer.echo(f"{pad}dubblett av {d.duplicate_of} ({titles.get(d.duplicate_of or '', 'okänd')})")
        if d.error:
            typer.echo(f"{pad}misslyckades: {d.error}")


@app.command()
def check() -> None:
    """Check the index for what a crash or a bug could leave inconsistent (staged or orphaned
    passages, wrong passage counts, dangling links); exit 1 when anything is found. After a crash,
    `vaksam ingest` of the same folders repairs it."""
    service = _service()
    try:
        problems = service.store.integrity_problems()
    except StoreError as exc:
        _fail(str(exc))
    finally:
        service.close()
    for line in problems:
        typer.echo(line)
    if problems:
        typer.secho(f"{len(problems)} problems found; `vaksam ingest` of the same folders repairs them", err=True)
        raise typer.Exit(1)
    typer.echo("index consistent")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default VAKSAM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default VAKSAM_PORT).")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="HTTP worker processes. With the embedded index, this process holds the index and the "
            "workers search it through a local socket; with VAKSAM_QDRANT_URL they share the server.",
        ),
    ] = 1,
) -> None:
    """Serve the search page (/), the widget (/widget.js) and the HTTP API (/api/v1, docs at /docs).

    One process serves searches in parallel threads (the ONNX encoder runs outside the GIL; the
    rest of a search holds it: ~40 queries/s on two cores, benchmarks/README.md). ``--workers N``
    runs N processes: on a Qdrant server each opens it; with the embedded index this process
    becomes the index process (search/engines/remote.py) and the workers its thin clients."""
    import uvicorn

    from api.app import create_app
    from api.observability import configure_json_logging

    settings = get_settings()
    server = None
    try:
        if workers > 1 and not settings.qdrant_url:
            from search.engines.remote import EngineServer
            from search.store import QdrantStore

            server = EngineServer.start(QdrantStore.from_settings(settings).engine)
            os.environ["VAKSAM_INDEX_PROCESS"] = str(server.folder)  # the workers' settings read it
        # several workers each build their app from the environment; one is built here to fail early
        application = create_app(settings) if workers == 1 else "api.app:create_app"
        log_config = None
        if settings.log_json:
            configure_json_logging()
        else:
            log_config = uvicorn.config.LOGGING_CONFIG
        options: dict[str, Any] = {
            "host": host or settings.host,
            "port": port or settings.port,
            "log_level": "info",
            "log_config": log_config,
            # uvicorn trusts 127.0.0.1 when given no list: with none configured, trust no proxy at all.
            "proxy_headers": bool(settings.forwarded_allow_ips.strip()),
            "forwarded_allow_ips": settings.forwarded_allow_ips.strip() or None,
        }
        if isinstance(application, str):
            from api.workers import serve_workers

            serve_workers(application, workers, **options)
        else:
            uvicorn.run(application, **options)
    except (StoreError, ModelNotAvailableError) as exc:
        _fail(str(exc))
    finally:
        if server is not None:
            server.close()


@app.command()
def export(
    to_url: Annotated[str | None, typer.Option("--to-url", help="A Qdrant server, e.g. http://qdrant:6333.")] = None,
    to_path: Annotated[Path | None, typer.Option("--to-path", help="Another embedded index folder.")] = None,
    engine: Annotated[IndexEngine, typer.Option(help="Engine of the --to-path folder.")] = IndexEngine.EDGE,
    api_key: Annotated[
        str | None, typer.Option(envvar="VAKSAM_EXPORT_API_KEY", help="API key of the target server.")
    ] = None,
    collection: Annotated[str | None, typer.Option(help="Target collection (default: the same name).")] = None,
) -> None:
    """Copy the index, vectors included, to a Qdrant server or another folder: nothing is re-embedded.

    Run it with the API stopped (the embedded index belongs to one process), then point
    VAKSAM_QDRANT_URL at the server. Running it again overwrites the same ids."""
    if (to_url is None) == (to_path is None):
        _fail("give exactly one target: --to-url http://host:6333 or --to-path FOLDER")
    settings = get_settings()
    update: dict = {"collection": collection or settings.collection}
    if to_url:
        update |= {"qdrant_url": to_url, "qdrant_api_key": api_key}
    else:
        assert to_path is not None  # exactly one target was given
        if to_path.resolve() == settings.qdrant_path.resolve() and not settings.qdrant_url:
            _fail(f"{to_path} is the index being exported; choose another folder")
        update |= {"qdrant_url": None, "qdrant_path": to_path, "index_engine": engine}
    try:
        target_settings = ApiSettings.model_validate({**settings.model_dump(), **update})
    except ValidationError as exc:
        _fail(f"invalid target: {exc.errors()[0]['msg']}")
    try:
        source = QdrantStore.from_settings(settings)
        if not source.exists():
            _fail(f"there is no index to export at {settings.qdrant_url or settings.qdrant_path}")
        target = QdrantStore.from_settings(target_settings)
        try:
            passages, documents = source.copy_to(target)
        finally:
            target.close()
            source.close()
    except StoreError as exc:
        _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - an unreachable or refusing server: say which and why
        if type(exc).__module__.startswith(("qdrant_client", "httpx", "httpcore")) or isinstance(exc, OSError):
            _fail(f"the target {to_url or to_path} did not accept the copy: {exc}")
        raise
    where = to_url or to_path
    typer.echo(f"{passages} passager och {documents} dokument kopierade till {where} ({update['collection']})")


keys_app = typer.Typer(help="API keys for uploads and deletes (and reads, with VAKSAM_READ_REQUIRES_KEY).")
app.add_typer(keys_app, name="keys")


def _keys():
    from api.keys import KeyStore

    return KeyStore(get_settings().keys_file)


@keys_app.command("create")
def keys_create(name: Annotated[str, typer.Option("--name", help="Who or what uses the key, e.g. intranet.")]) -> None:
    """Make a key and print it once; only its hash is kept (VAKSAM_KEYS_FILE)."""
    from api.keys import KeyFileError

    try:
        secret = _keys().create(name)
    except KeyFileError as exc:
        _fail(str(exc))
    typer.echo(secret)
    typer.secho(
        f"Key {name!r} created. It is shown only now: store it where the client keeps secrets.", err=True, dim=True
    )


@keys_app.command("list")
def keys_list() -> None:
    """Names, first characters and creation times of the keys (never the keys)."""
    from api.keys import KeyFileError

    try:
        keys = _keys().keys()
    except KeyFileError as exc:
        _fail(str(exc))
    if not keys:
        typer.echo("no keys; create one with `vaksam keys create --name <name>`")
    for key in keys:
        typer.echo(f"{key.name}\t{key.hint}…\t{key.created}")


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Option("--name", help="The key's name.")]) -> None:
    """Remove a key; clients using it are refused from the next request on."""
    from api.keys import KeyFileError

    try:
        _keys().revoke(name)
    except KeyFileError as exc:
        _fail(str(exc))
    typer.echo(f"revoked {name!r}")


@app.command()
def model(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Materialise the embedding model (converted once, then cached; exported to ONNX for the
    onnx backends) and print where it is, what runs it on this CPU and how close int8 comes to fp32."""
    from search.embedding.encoder import Encoder
    from search.embedding.onnx_model import OnnxExportError
    from search.embedding.resolve import resolve_model

    settings = get_settings()
    try:
        path = resolve_model(settings.embedding_model, settings.model_dir)
        encoder = Encoder.load(settings)
    except (ModelNotAvailableError, OnnxExportError) as exc:
        _fail(str(exc))
    if as_json:
        _print_json({"path": str(path), "dimension": encoder.dimension, **encoder.runtime.as_dict()})
        return
    typer.echo(path)
    typer.echo(f"backend: {encoder.backend.value}, dimension {encoder.dimension}")
    for line in encoder.runtime.lines():
        typer.echo(line)


@app.command("eval")
def evaluate(
    queries: Annotated[Path | None, typer.Option(help="JSON lines of questions with gold strings.")] = None,
    beir: Annotated[Path | None, typer.Option(help="A BEIR folder (corpus.jsonl, queries.jsonl, qrels/).")] = None,
    compare: Annotated[
        bool, typer.Option(help="Run dense, sparse and hybrid (and hybrid+rerank when configured) side by side.")
    ] = False,
    mode: Annotated[SearchMode | None, typer.Option(help="Search mode (default: the configured one).")] = None,
    as_files: Annotated[
        bool,
        typer.Option(
            "--as-files", help="With --beir: index the pages as text files through ingest (headings, duplicates)."
        ),
    ] = False,
    judgments: Annotated[
        Path | None,
        typer.Option(
            help="With --queries: strings judged after pooling to answer a question (eval/pooled_judgments.jsonl); "
            "reported beside the gold-string numbers."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    details: Annotated[bool, typer.Option(help="With --json: include every query.")] = False,
) -> None:
    """Measure retrieval quality on a question file and/or a BEIR folder."""
    from api.evaluation import (
        Variant,
        against_hybrid,
        compare_variants,
        evaluate_beir,
        evaluate_judged,
        evaluate_queries,
        load_judgments,
        question_sets,
        render_comparison,
    )

    if queries is None and beir is None:
        _fail("give --queries FILE, --beir DIR, or both")
    if judgments is not None and queries is None:
        _fail("--judgments judges a --queries file; give one")
    service = _service()
    reports = []
    try:
        chosen = mode or service.settings.search_mode
        variants = compare_variants(service) if compare else [Variant(chosen.value, chosen)]
        judged = load_judgments(judgments) if judgments is not None else None
        if queries and judged is not None:
            pairs = [evaluate_judged(service, queries, judged, variant=v) for v in variants]
            reports += [gold for gold, _ in pairs] + [with_judged for _, with_judged in pairs]
        elif queries:
            reports += [evaluate_queries(service, queries, variant=v) for v in variants]
        if beir:
            reports += evaluate_beir(service, beir, progress=not as_json, variants=variants, as_files=as_files)
    except (ValueError, OSError, StoreError, ModelNotAvailableError) as exc:
        _fail(str(exc))
    finally:
        service.close()
    if as_json:
        out = [r.as_dict(details) for r in reports]
        if compare:  # each mode's paired p against hybrid, per question set, as the table prints it
            for group in question_sets(reports):
                for i, p in zip(group, against_hybrid([reports[i] for i in group]), strict=True):
                    out[i]["p_mrr_vs_hybrid"] = p
        _print_json(out[0] if len(out) == 1 else out)
    elif compare:
        for group in question_sets(reports):
            typer.echo(render_comparison([reports[i] for i in group]) + "\n")
    else:
        typer.echo("\n\n".join(r.render() for r in reports))


def run() -> None:  # console-script entry point
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["ApiSettings", "app", "run"]


if __name__ == "__main__":  # python -m api.cli, as the benchmarks start the server
    run()
