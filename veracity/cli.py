"""The `veracity` command line: index, check, batch, serve, train-verifier."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from veracity.errors import VeracityError

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

app = typer.Typer(help="Claim-level fact checking with calibrated verdicts and evidence.", no_args_is_help=True)
index_app = typer.Typer(help="Build and inspect retrieval indexes.", no_args_is_help=True)
app.add_typer(index_app, name="index")

out_console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
# Exit codes: 0 done; 1 internal error; 2 a usage or input error (one line says which);
# 3 the work finished but is incomplete (batch records that failed, or no claim could be scored).
EXIT_INCOMPLETE = 3


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    html = "html"


class SearchMode(str, Enum):
    hybrid = "hybrid"
    bm25 = "bm25"
    dense = "dense"


def friendly_errors(command: F) -> F:
    """Print our errors (and unexpected ones) as one clear line and exit non-zero, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except VeracityError as err:
            err_console.print(f"[bold red]error:[/] {err}")
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err_console.print("[yellow]interrupted[/]")
            raise typer.Exit(130) from None
        except typer.Exit:  # an exit status the command chose
            raise
        except Exception as err:  # a bug of ours: still no traceback unless asked for
            if os.environ.get("VERACITY_DEBUG"):
                raise
            err_console.print(f"[bold red]internal error:[/] {type(err).__name__}: {err} (set VERACITY_DEBUG=1 for details)")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _checker(index: Path | None, corpus: Path | None, judge: str, k: int, kg: Path | None = None, extractor: str = "spacy"):
    from veracity.pipeline import FactChecker

    if index is not None and corpus is not None:
        raise VeracityError("give either --index or --corpus, not both")
    loaded = None
    if corpus is not None:
        from veracity.retrieval import HybridIndex, load_documents

        with err_console.status(f"indexing {corpus} ..."):
            loaded = HybridIndex.build(load_documents(corpus))
    elif index is not None:
        from veracity.retrieval import HybridIndex

        loaded = HybridIndex.load(index)
    return FactChecker(index=loaded, judge=judge, k=k, kg=kg, extractor=extractor)


@index_app.command("build")
@friendly_errors
def index_build(
    path: Annotated[Path, typer.Argument(help="A folder or file of .txt, .md or .jsonl documents.")],
    out: Annotated[Path, typer.Option("--out", help="Directory to write the index to.")],
) -> None:
    """Build a hybrid BM25 + dense index over documents and save it (encoding shows rate and ETA).

    An interrupted build resumes: encoded chunks are kept in OUT/.encode-cache until the index is saved.
    """
    from veracity.retrieval import HybridIndex, load_documents

    documents = load_documents(path)
    err_console.print(f"indexing {len(documents)} documents ...")
    index = HybridIndex.create(out, documents, progress=True)
    out_console.print(f"indexed {len(documents)} documents as {len(index)} passages -> {out}")


@index_app.command("add")
@friendly_errors
def index_add(
    index: Annotated[Path, typer.Argument(help="A saved index directory.")],
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of documents to add (or replace, by id).")],
) -> None:
    """Add documents to a saved index without rebuilding it; only new passages are encoded."""
    from veracity.retrieval import HybridIndex, load_documents

    loaded = HybridIndex.load(index)
    documents = [doc for path in paths for doc in load_documents(path)]
    summary = loaded.add(documents, progress=True)
    out_console.print(
        f"added {summary.added}, replaced {summary.replaced}, unchanged {summary.unchanged} documents "
        f"({summary.passages} new passages) -> {index}: {len(loaded.documents)} documents, {len(loaded)} passages"
    )


@index_app.command("remove")
@friendly_errors
def index_remove(
    index: Annotated[Path, typer.Argument(help="A saved index directory.")],
    ids: Annotated[list[str], typer.Argument(help="Ids of the documents to remove.")],
) -> None:
    """Remove documents by id from a saved index (unknown ids are reported, not an error)."""
    from veracity.retrieval import HybridIndex

    loaded = HybridIndex.load(index)
    unknown = [doc_id for doc_id in ids if doc_id not in loaded.documents]
    summary = loaded.delete(ids)
    if unknown:
        err_console.print(f"[yellow]not in the index:[/] {', '.join(unknown)}")
    out_console.print(
        f"removed {summary.deleted} documents -> {index}: {len(loaded.documents)} documents, {len(loaded)} passages"
    )


@index_app.command("info")
@friendly_errors
def index_info(
    index: Annotated[Path, typer.Argument(help="A saved index directory.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print what a saved index holds: counts, embedder, passage settings, dense index kind, size."""
    from veracity.retrieval import HybridIndex

    info = HybridIndex.load(index).info()
    if as_json:
        sys.stdout.write(json.dumps(info, indent=2) + "\n")
        return
    for key, value in info.items():
        shown = ", ".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else value
        out_console.print(f"[cyan]{key}[/]: {shown}")


@index_app.command("search")
@friendly_errors
def index_search(
    index: Annotated[Path, typer.Argument(help="A saved index directory.")],
    query: Annotated[str, typer.Argument(help="The query.")],
    k: Annotated[int, typer.Option(help="Number of passages.")] = 5,
    mode: Annotated[SearchMode, typer.Option(help="Retriever.")] = SearchMode.hybrid,
    per_document: Annotated[bool, typer.Option("--per-document/--passages", help="k distinct documents (their best passage each), or the k best passages.")] = True,
) -> None:
    """Search a saved index and print the documents (or passages) found."""
    from veracity.retrieval import HybridIndex

    found = HybridIndex.load(index).search(query, k=k, mode=mode.value, per_document=per_document)
    for rank, ev in enumerate(found, 1):
        out_console.print(f"{rank}. [cyan]{ev.passage.doc_id}[/] ({ev.score:.4f}) {ev.passage.text[:200]}")


@app.command()
@friendly_errors
def check(
    source: Annotated[str, typer.Argument(help="File with the text to check, or - for standard input.")],
    index: Annotated[Path | None, typer.Option(help="A saved index to retrieve evidence from.")] = None,
    corpus: Annotated[Path | None, typer.Option(help="Documents to index on the fly (.txt/.md/.jsonl).")] = None,
    contexts: Annotated[Path | None, typer.Option(help="Contexts to check against only (.json, .jsonl, or blank-line separated text).")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="Output format (html needs --out).")] = OutputFormat.table,
    out: Annotated[Path | None, typer.Option(help="Write the output to this file.")] = None,
    question: Annotated[str | None, typer.Option(help="The question the text answers (RAG answers, with --contexts).")] = None,
    kg: Annotated[Path | None, typer.Option(help="Knowledge graph: a saved graph directory or a .tsv/.nt/.jsonl file of triples.")] = None,
    judge: Annotated[str, typer.Option(help="Verifier: 'default', an NLI model name/path, 'nli-digest:default' (long evidence read as one digest: faster), 'llm:<model>' or 'cascade:<model>' (docs/llm.md).")] = "default",
    k: Annotated[int, typer.Option(min=1, help="Passages retrieved per claim.")] = 5,
    extractor: Annotated[str, typer.Option(help="Claim extractor: 'spacy' (offline) or 'llm:<model>', e.g. llm:local/smollm2.")] = "spacy",
) -> None:
    """Check every claim of a text against an index, a corpus or given contexts.

    With --contexts the text is treated as a RAG answer: its citation markers ([1], [1-3], [doc-7])
    are scored as ALCE does, and answer-level metrics are added.
    """
    from veracity.inputs import prepare_output, read_contexts, read_text
    from veracity.notices import all_unscored, language_warning, unscored_line
    from veracity.render import print_report

    if format is OutputFormat.html and out is None:
        raise VeracityError("--format html writes a self-contained file: give --out REPORT.html")
    if out is not None:
        prepare_output(out)
    text = read_text(source)
    if (warning := language_warning(text)) is not None:
        err_console.print(f"[yellow]warning:[/] {warning}")
    given = read_contexts(contexts) if contexts is not None else None
    if given is None and index is None and corpus is None and kg is None:
        raise VeracityError("nothing to check against: give --index DIR, --corpus PATH, --contexts FILE or --kg PATH")
    checker = _checker(None if given is not None else index, None if given is not None else corpus, judge, k, kg, extractor)
    with err_console.status("checking claims ..."):
        report = checker.check_rag(question, text, given) if given is not None else checker.check(text)
    if format is OutputFormat.html:
        from veracity.reports import render_html, write_html

        write_html(out, render_html(report))
    elif format is OutputFormat.json:
        payload = report.model_dump_json(indent=2)
        if out:
            out.write_text(payload + "\n", encoding="utf-8")
        else:
            sys.stdout.write(payload + "\n")
    elif out:
        with out.open("w", encoding="utf-8") as handle:
            print_report(report, Console(file=handle, width=160))
    else:
        print_report(report, out_console)
    if (line := unscored_line(report)) is not None:
        err_console.print(f"[yellow]{line}[/]")
    if all_unscored(report):
        err_console.print("[bold red]error:[/] no claim could be scored (see the reason above)")
        raise typer.Exit(EXIT_INCOMPLETE)


class BatchEngine(str, Enum):
    local = "local"
    ray = "ray"


@app.command()
@friendly_errors
def batch(
    inp: Annotated[Path, typer.Argument(help="JSONL with `id`, `text` and optional `contexts` per line.")],
    out: Annotated[Path, typer.Option(help="Output JSONL; re-running with the same file resumes.")],
    index: Annotated[Path | None, typer.Option(help="A saved index, for records without contexts.")] = None,
    corpus: Annotated[Path | None, typer.Option(help="Documents to index on the fly.")] = None,
    judge: Annotated[str, typer.Option(help="Verifier: 'default', an NLI model name/path, or 'nli-digest:default' (long evidence read as one digest: faster).")] = "default",
    k: Annotated[int, typer.Option(min=1, help="Passages retrieved per claim.")] = 5,
    chunk_size: Annotated[int, typer.Option(min=1, help="Records checked per batched model pass (and per checkpoint).")] = 16,
    engine: Annotated[BatchEngine, typer.Option(help="local: this process; ray: a Ray cluster (docs/ray.md).")] = BatchEngine.local,
    address: Annotated[str | None, typer.Option(help="Ray cluster address (--engine ray; default: a local Ray).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Ray actors, each loading the models once (--engine ray).")] = 2,
    allow_errors: Annotated[bool, typer.Option("--allow-errors", help="Exit 0 even when some records could not be checked.")] = False,
    force_mixed: Annotated[bool, typer.Option("--force-mixed", help="Resume an output written with another configuration (recorded in OUT.runs.jsonl).")] = False,
) -> None:
    """Check every record of a JSONL file; malformed lines become error records, the job goes on.

    Each run's configuration (models, weights hashes, settings) is recorded in OUT.runs.jsonl and every
    output line names it; resuming with another configuration is refused unless --force-mixed."""
    from rich.progress import Progress

    from veracity.batch import read_records, run_batch
    from veracity.inputs import prepare_output

    prepare_output(out)
    total = sum(1 for _ in read_records(inp))
    if engine is BatchEngine.ray and corpus is not None:
        raise VeracityError("--engine ray needs --index (a saved index every worker can read), not --corpus")
    checker = _checker(index, corpus, judge, k) if engine is BatchEngine.local else None
    with Progress(console=err_console) as progress:
        task = progress.add_task("checking", total=total)
        advance = lambda n: progress.advance(task, n)
        if checker is not None:
            stats = run_batch(checker, inp, out, chunk_size=chunk_size, progress=advance, force_mixed=force_mixed)
        else:
            from veracity.engines.ray_engine import run_batch_ray

            spec = {"index": str(index) if index else None, "judge": judge, "k": k}
            stats = run_batch_ray(inp, out, address=address, workers=workers, chunk_size=chunk_size, checker_kwargs=spec, progress=advance, force_mixed=force_mixed)
        progress.update(task, completed=total)
    out_console.print(
        f"{stats.total} records: {stats.ok} checked, {stats.errors} errors, {stats.skipped} already done -> {out}"
    )
    if stats.errors:
        err_console.print(f"[yellow]{stats.errors} records could not be checked; see their `error` field in {out}[/]")
        if not allow_errors:
            raise typer.Exit(EXIT_INCOMPLETE)


@app.command("report")
@friendly_errors
def report_command(
    batch_out: Annotated[Path, typer.Argument(help="The output JSONL of `veracity batch`.")],
    out: Annotated[Path, typer.Option(help="HTML file to write.")],
) -> None:
    """Write a self-contained HTML summary of a batch output: score distribution, records, errors."""
    from veracity.reports import read_batch_output, render_batch_html, write_html

    rows = read_batch_output(batch_out)
    write_html(out, render_batch_html(rows))
    out_console.print(f"{len(rows)} records -> {out}")


@app.command("train-verifier", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@friendly_errors
def train_verifier(ctx: typer.Context) -> None:
    """Retrain the offline verifier (options: see `python -m veracity.verifier.training --help`)."""
    from veracity.verifier.training import main

    main(list(ctx.args))


@app.command()
@friendly_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    index: Annotated[Path | None, typer.Option(help="A saved index for requests that give no contexts.")] = None,
    judge: Annotated[str | None, typer.Option(help="Verifier: 'default' or an NLI model name/path.")] = None,
    insecure: Annotated[bool, typer.Option("--insecure", help="Allow a non-loopback address without VERACITY_API_TOKEN.")] = False,
    allow_degraded: Annotated[bool, typer.Option("--allow-degraded", help="Listen at once and load the models in the background; a failed load is reported by /readyz and 503s instead of stopping the server.")] = False,
) -> None:
    """Serve the HTTP API (docs/server.md); VERACITY_* environment variables set the token and limits."""
    from veracity.server import Settings, check_bind

    settings = Settings.from_env(host=host, port=port, index=index, judge=judge, allow_degraded=allow_degraded or None)
    check_bind(host, settings.token_value, insecure)  # before the slow imports: refuse at once
    import uvicorn

    from veracity.server import create_app

    loader = None
    if not settings.allow_degraded:  # fail fast: a judge or index that cannot load stops here, in one line
        from veracity.server.engine import Engine

        with err_console.status("loading the models ..."):
            engine = _load_engine(Engine, settings)

        def loader(_settings: Any, calls: Any) -> Any:
            engine.model_calls = calls
            return engine

    uvicorn.run(create_app(settings, engine_loader=loader), host=host, port=port, log_level="info")


def _load_engine(engine_class: Any, settings: Any) -> Any:
    from veracity.errors import ModelNotAvailableError

    try:
        return engine_class.load(settings)
    except VeracityError:
        raise
    except Exception as err:
        raise ModelNotAvailableError(f"the models failed to load: {type(err).__name__}: {err}") from err


@app.command()
@friendly_errors
def ui(
    corpus: Annotated[Path | None, typer.Option(help="Documents to index for the page's searches (.txt/.md/.jsonl).")] = None,
    index: Annotated[Path | None, typer.Option(help="A saved index for the page's searches.")] = None,
    port: Annotated[int, typer.Option(help="Port to listen on (on 127.0.0.1).")] = 8000,
    judge: Annotated[str | None, typer.Option(help="Verifier: 'default' or an NLI model name/path.")] = None,
) -> None:
    """Open the page for people: the server on 127.0.0.1, paste an answer and see which claims hold."""
    from veracity.server.page import serve_page

    serve_page(corpus=corpus, index=index, port=port, judge=judge, say=out_console.print)


@app.command()
def version() -> None:
    """Print the version."""
    from veracity import __version__

    out_console.print(json.dumps({"veracity": __version__}))


if __name__ == "__main__":
    app()
