"""`veracity ui`: the server on 127.0.0.1 with the page at `/`, over a corpus indexed on the spot or a saved index."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from veracity.errors import VeracityError

HOST = "127.0.0.1"


def serve_page(
    *,
    corpus: Path | None = None,
    index: Path | None = None,
    port: int = 8000,
    judge: str | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Index `corpus` (into a temporary folder, removed on exit) or use the saved `index`, print the page's
    address, and serve until interrupted. Loopback only: `veracity serve` is the way to expose it."""
    if corpus is not None and index is not None:
        raise VeracityError("give either --index or --corpus, not both")
    with tempfile.TemporaryDirectory(prefix="veracity-ui-") as tmp:
        if corpus is not None:
            from veracity.retrieval import HybridIndex, load_documents

            documents = load_documents(corpus)
            say(f"indexing {len(documents)} documents from {corpus} ...")
            HybridIndex.build(documents).save(Path(tmp) / "index")
            index = Path(tmp) / "index"
        _serve(index, port, judge, say)


def _serve(index: Path | None, port: int, judge: str | None, say: Callable[[str], None]) -> None:
    from veracity.server import Settings, check_bind

    settings = Settings.from_env(host=HOST, port=port, index=index, judge=judge)
    check_bind(HOST, settings.token_value, False)
    import uvicorn

    from veracity.server import create_app

    say(f"veracity page: http://{HOST}:{port}/  (ready once the models have loaded; Ctrl+C stops the server)")
    uvicorn.run(create_app(settings), host=HOST, port=port, log_level="warning")
