"""The main text of an HTML page: scripts, navigation, headers, footers and link lists removed."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Tag

_DROP_TAGS = (
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "form",
    "button", "input", "select", "textarea", "nav", "header", "footer", "aside", "menu", "dialog",
)
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "dialog", "alert"}
_BOILERPLATE = re.compile(
    r"(^|[-_ ])(nav|navbar|menu|breadcrumbs?|footer|header|masthead|sidebar|cookies?|consent|banner|share|"
    r"social|related|comments?|advert\w*|ads?|promo|subscribe|newsletter|popup|modal|skip|toolbar)($|[-_ ])",
    re.IGNORECASE,
)
_BLOCKS = (
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "dt", "dd",
    "figcaption", "caption", "div", "section", "article", "main", "table", "ul", "ol", "dl", "tr", "br", "hr",
)
_SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")
_BREAKS = re.compile(r"\s*\n\s*(\n\s*)+")
_LINK_DENSITY = 0.6  # a block whose text is mostly link text is a link list


def _is_boilerplate(tag: Tag) -> bool:
    if tag.name in _DROP_TAGS:
        return True
    attrs = tag.attrs or {}
    if attrs.get("hidden") is not None or attrs.get("aria-hidden") == "true":
        return True
    if str(attrs.get("role", "")).lower() in _DROP_ROLES:
        return True
    classes = attrs.get("class") or []
    names = " ".join([*(classes if isinstance(classes, list) else [str(classes)]), str(attrs.get("id", ""))])
    return bool(names.strip()) and bool(_BOILERPLATE.search(names)) and tag.name not in ("main", "article", "body")


def _link_list(tag: Tag) -> bool:
    text = tag.get_text(" ", strip=True)
    if not text:
        return False
    linked = sum(len(a.get_text(" ", strip=True)) for a in tag.find_all("a"))
    return linked / len(text) >= _LINK_DENSITY and len(text) < 400


def html_title(soup: BeautifulSoup) -> str | None:
    for candidate in (soup.find("meta", attrs={"property": "og:title"}), soup.title, soup.find("h1")):
        if candidate is None:
            continue
        text = candidate.get("content") if candidate.name == "meta" else candidate.get_text(" ", strip=True)
        if isinstance(text, str) and text.strip():
            return _SPACE.sub(" ", text).strip()
    return None


def html_to_text(html: str) -> tuple[str, str | None]:
    """(main text, title) of a page. Blocks are separated by blank lines, so sentence splitting
    never joins a heading or list item to the next block."""
    soup = BeautifulSoup(html, "html.parser")
    title = html_title(soup)
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(True):
        if not tag.decomposed and _is_boilerplate(tag):
            tag.decompose()
    root = soup.find("main") or soup.find(attrs={"role": "main"}) or soup.find("article") or soup.body or soup
    for tag in root.find_all(["ul", "ol", "div", "p", "table", "section"]):
        if not tag.decomposed and _link_list(tag):
            tag.decompose()
    for tag in root.find_all(_BLOCKS):
        if tag.name in ("br", "hr"):
            tag.replace_with("\n\n")
        else:
            tag.insert_before("\n\n")
            tag.insert_after("\n\n")
    text = root.get_text()
    lines = (_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    text = _BREAKS.sub("\n\n", "\n".join(lines)).strip()
    return text, title
