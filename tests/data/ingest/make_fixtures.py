"""Render real SciFact abstracts (tests/data/scifact_corpus_small.jsonl) into ingestion fixtures.

Run from the repository root: `python tests/data/ingest/make_fixtures.py`. Deterministic; writes
abstract.txt, abstract.md, article.html, paper.pdf, records.jsonl and records.csv next to this
file. The PDF is written by the small PDF writer below (Helvetica, WinAnsi text, two pages), so no
PDF library is needed to make it.
"""

from __future__ import annotations

import csv
import html
import io
import json
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "scifact_corpus_small.jsonl"
# Abstract ids (SciFact doc_id) used for each fixture; all are Latin-1 text.
TXT, MD, HTML, PDF = "33370", "97884", "116792", "152245"
JSONL = ("175735", "275294", "323335")
CSV = ("341324", "368506", "409280")


def abstracts() -> dict[str, dict]:
    rows = [json.loads(line) for line in SOURCE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {row["id"]: row for row in rows}


def page_html(title: str, text: str) -> str:
    """A realistic article page: the abstract inside <main>, boilerplate all around it."""
    paragraphs = "\n".join(f"      <p>{html.escape(sentence)}</p>" for sentence in _paragraphs(text))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{html.escape(title)} | Journal Archive</title>
  <meta property="og:title" content="{html.escape(title)}">
  <style>body {{ font-family: serif; }} .cookie-banner {{ position: fixed; }}</style>
  <script>window.analytics = {{ track: function () {{ return "tracking pixel"; }} }};</script>
</head>
<body>
  <div class="cookie-banner" id="cookie-consent">We use cookies to improve your experience. Accept all cookies?</div>
  <header class="site-header">
    <a href="/">Journal Archive home</a>
    <nav><ul><li><a href="/browse">Browse issues</a></li><li><a href="/about">About the journal</a></li>
    <li><a href="/login">Sign in</a></li></ul></nav>
  </header>
  <div class="breadcrumbs"><a href="/">Home</a> &gt; <a href="/articles">Articles</a></div>
  <main>
    <article>
      <h1>{html.escape(title)}</h1>
{paragraphs}
      <div class="share-buttons"><a href="#">Share on social media</a> <a href="#">Email this article</a></div>
    </article>
  </main>
  <aside class="sidebar">
    <h2>Related articles</h2>
    <ul><li><a href="/a1">Another study of signalling pathways</a></li><li><a href="/a2">Most read this week</a></li></ul>
  </aside>
  <footer id="footer">Copyright Journal Archive. All rights reserved. Privacy policy. Terms of use.</footer>
  <script>console.log("footer script");</script>
</body>
</html>
"""


def _paragraphs(text: str) -> list[str]:
    """The abstract cut into two paragraphs at a sentence boundary near its middle."""
    middle = text.find(". ", len(text) // 2)
    if middle < 0:
        return [text]
    return [text[: middle + 1], text[middle + 2 :]]


def _pdf_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return "(" + escaped + ")"


def pdf_bytes(title: str, text: str, lines_per_page: int = 18, width: int = 85) -> bytes:
    """A minimal PDF 1.4: the text wrapped at `width` characters, `lines_per_page` lines a page."""
    lines = textwrap.wrap(text, width=width)
    pages = [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    objects: list[bytes] = []

    def add(body: str | bytes) -> int:
        objects.append(body.encode("latin-1") if isinstance(body, str) else body)
        return len(objects)

    catalog = add("")  # placeholder, filled below
    pages_id = add("")
    font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    page_ids = []
    for page_lines in pages:
        ops = ["BT", "/F1 11 Tf", "14 TL", "56 780 Td"]
        for line in page_lines:
            ops.append(f"{_pdf_string(line)} Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page_ids.append(
            add(
                f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 612 842] "
                f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>"
            )
        )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode("latin-1")
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    objects[pages_id - 1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode("latin-1")
    info = add(f"<< /Title {_pdf_string(title)} /Producer (veracity test fixture writer) >>")

    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, catalog, info, xref)
    )
    return out.getvalue()


def main(out: Path = HERE) -> None:
    by_id = abstracts()
    (out / "abstract.txt").write_text(by_id[TXT]["text"] + "\n", encoding="utf-8")
    md = by_id[MD]
    (out / "abstract.md").write_text(f"# {md['title']}\n\n" + "\n\n".join(_paragraphs(md["text"])) + "\n", encoding="utf-8")
    page = by_id[HTML]
    (out / "article.html").write_text(page_html(page["title"], page["text"]), encoding="utf-8")
    paper = by_id[PDF]
    (out / "paper.pdf").write_bytes(pdf_bytes(paper["title"], paper["text"]))
    records = []
    for i, doc_id in enumerate(JSONL):
        row = by_id[doc_id]
        record = {"id": f"scifact-{doc_id}", "title": row["title"], "text": row["text"], "source": "SciFact", "rank": i}
        if i == len(JSONL) - 1:
            del record["id"]  # this one gets a content-hash id
        records.append(json.dumps(record, ensure_ascii=False))
    (out / "records.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    with (out / "records.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "text", "source"])
        for i, doc_id in enumerate(CSV):
            row = by_id[doc_id]
            writer.writerow(["" if i == len(CSV) - 1 else f"scifact-{doc_id}", row["title"], row["text"], "SciFact"])


if __name__ == "__main__":
    main()
