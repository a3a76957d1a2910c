"""Articles and the readers that make them from files and records.

Every reader yields ``Article`` or ``Skip`` items, so one bad file or line never stops the
rest: the caller reports skips by name and carries on.

Ids: a JSON record's ``id``, else its ``url``, else a hash of its content. A ``.txt`` /
``.md`` / ``.html`` file's id is its front matter ``id`` when given, else its file name
without extension, so editing a file and ingesting it again replaces the old version.
"""

from __future__ import annotations

import datetime as dt
import errno
import gzip
import hashlib
import json
import logging
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from index.clean import clean_body, clean_title

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
JSON_SUFFIXES = (".json", *JSONL_SUFFIXES)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSON_SUFFIXES

BODY_FIELDS = ("body", "text", "content")
DATE_FIELDS = ("published_at", "published", "date", "pubDate")
KNOWN_FIELDS = {"id", "title", "source", "url", "author", *BODY_FIELDS, *DATE_FIELDS}
# The largest article file (a .txt, .md, .html or .json), or line of a .jsonl, read: a bigger
# one is skipped by name before it is read (``--max-mb`` raises it; web pages share it).
DEFAULT_MAX_MB = 20.0
MAX_BYTES = int(DEFAULT_MAX_MB * 1_000_000)


def size_text(n: int) -> str:
    """A size in bytes as people read it ("50 MB", "12.3 kB")."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.3g} MB"
    return f"{n / 1000:.3g} kB" if n >= 1000 else f"{n} bytes"


def too_big(size: int, limit: int, what: str = "one article file") -> str:
    """Why an input of ``size`` bytes is skipped, and how to take it."""
    return (
        f"{size_text(size)}, over the {size_text(limit)} limit for {what} (raise it with --max-mb)"
    )


@dataclass(frozen=True)
class Article:
    """One cleaned article. ``body`` is the cleaned text all offsets refer to."""

    id: str
    title: str
    body: str
    source: str = ""
    url: str = ""
    author: str = ""
    published_at: str | None = None  # ISO date, YYYY-MM-DD
    extra: Mapping[str, Any] = field(default_factory=dict)
    origin: str = ""  # where it was read from: "file.jsonl:12"

    def content_hash(self) -> str:
        """A hash of everything stored about the article (not where it was read from)."""
        payload = json.dumps(
            [
                self.title,
                self.body,
                self.source,
                self.url,
                self.author,
                self.published_at,
                sorted(self.extra.items()),
            ],
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Skip:
    """Something that could not become an article, and why."""

    origin: str
    reason: str


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML as ``safe_load`` reads it, but dates stay text: ``parse_date`` reads them and
    says which one is wrong (``published: 2026-99-99`` would otherwise stop the loader)."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_date(value: object) -> str | None:
    """Parse a published date into ``YYYY-MM-DD``; ``None`` when empty or unparseable."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Unix seconds, or milliseconds when implausibly large.
        seconds = value / 1000 if value > 1e11 else value
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date().isoformat()
    text = str(value).strip()
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        try:
            return dt.date(*map(int, match.groups())).isoformat()
        except ValueError:
            return None
    from dateutil import parser as date_parser

    try:
        return date_parser.parse(text, default=dt.datetime(2000, 1, 1)).date().isoformat()
    except (ValueError, OverflowError):
        return None


def _content_id(title: str, body: str) -> str:
    return "h" + hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()[:16]


def _slug(stem: str) -> str:
    slug = re.sub(r"[^\w.-]+", "-", stem.strip(), flags=re.UNICODE).strip("-")
    return slug or "article"


def _as_text(record: Mapping[str, Any], key: str, origin: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and key == "id":
        return str(value)
    raise _FieldError(f"{origin}: field {key!r} must be a string, got {type(value).__name__}")


class _FieldError(ValueError):
    pass


def _extras(record: Mapping[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for key, value in record.items():
        if key in KNOWN_FIELDS or value is None:
            continue
        if isinstance(value, str | int | float | bool):
            extra[key] = value
        else:
            extra[key] = json.dumps(value, ensure_ascii=False, default=str)
    return extra


def article_from_record(
    record: Mapping[str, Any], origin: str, default_id: str | None = None
) -> Article | Skip:
    """Build an article from a mapping with the rtqa fields (id, title, source, ...)."""
    if not isinstance(record, Mapping):
        return Skip(origin, f"expected a JSON object, got {type(record).__name__}")
    try:
        body_key = next((k for k in BODY_FIELDS if record.get(k)), None)
        if body_key is None:
            return Skip(origin, "no article text: expected a non-empty 'body', 'text' or 'content'")
        raw_body = _as_text(record, body_key, origin)
        title = clean_title(_as_text(record, "title", origin))
        url = _as_text(record, "url", origin).strip()
        record_id = _as_text(record, "id", origin).strip()
        date_key = next((k for k in DATE_FIELDS if record.get(k) not in (None, "")), None)
        raw_date = record.get(date_key) if date_key else None
        source = _as_text(record, "source", origin).strip()
        author = _as_text(record, "author", origin).strip()
    except _FieldError as exc:
        return Skip(origin, str(exc).removeprefix(f"{origin}: "))
    body = clean_body(raw_body)
    if not body:
        return Skip(origin, "the article text is empty after cleaning")
    if not title:
        title = _first_line_title(body)
        logger.warning("%s: no title; took the first line of the text: %r", origin, title)
    else:
        body = _drop_repeated_title(body, title)
        if not body:
            return Skip(origin, "the article has a title but no text")
    published = parse_date(raw_date)
    extra = _extras(record)
    if raw_date is not None and published is None:
        logger.warning("%s: could not read the date %r; keeping it as text", origin, raw_date)
        extra["published_raw"] = str(raw_date)
    article_id = record_id or url or default_id or _content_id(title, body)
    return Article(
        id=article_id,
        title=title,
        body=body,
        source=source,
        url=url,
        author=author,
        published_at=published,
        extra=extra,
        origin=origin,
    )


def _drop_repeated_title(body: str, title: str) -> str:
    """Scraped bodies often start with the headline again: drop that first line."""
    first, _, rest = body.partition("\n")
    if " ".join(first.split()).casefold() == title.casefold():
        return rest.strip()
    return body


def _first_line_title(body: str) -> str:
    first = body.split("\n", 1)[0].strip()
    return first if len(first) <= 200 else first[:197].rstrip() + "..."


def _read_utf8(path: Path) -> str:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _FieldError(f"not valid UTF-8 (byte {exc.start}); re-save the file as UTF-8") from exc


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(?:\n|\Z)", re.DOTALL)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def _strip_markdown(text: str) -> str:
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    return _MD_EMPHASIS.sub(r"\2", text)


def _read_document(path: Path) -> str | Skip:
    """A whole file as text, or why it cannot be read."""
    try:
        text = _read_utf8(path)
    except (OSError, _FieldError) as exc:
        return Skip(str(path), _reason(exc))
    return text if text.strip() else Skip(str(path), "empty file")


def read_text_file(path: Path) -> Iterator[Article | Skip]:
    """A ``.txt`` or ``.md`` file: optional YAML front matter, else the first line is the title."""
    origin = str(path)
    text = _read_document(path)
    if isinstance(text, Skip):
        yield text
        return
    meta: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if match:
        try:
            loaded = yaml.load(match.group(1), Loader=_FrontMatterLoader) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" (line {mark.line + 2})" if mark is not None else ""  # after the "---"
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            yield Skip(origin, f"front matter is not valid YAML{line}: {problem}")
            return
        if not isinstance(loaded, dict):
            yield Skip(origin, "front matter must be a YAML mapping of field: value")
            return
        meta = {str(k): v for k, v in loaded.items()}
        text = text.replace("\r\n", "\n")[match.end() :]
    if path.suffix.lower() in (".md", ".markdown"):
        text = _strip_markdown(text)
    if "title" not in meta:
        lines = text.strip().split("\n", 1)
        meta["title"] = lines[0].strip()
        text = lines[1] if len(lines) > 1 else ""
        for key, value in _plain_header(text).items():
            meta.setdefault(key, value)
    meta["body"] = text
    for key in ("text", "content"):
        meta.pop(key, None)
    meta["id"] = str(meta["id"]) if meta.get("id") is not None else _slug(path.stem)
    yield article_from_record(meta, origin)


_BYLINE = re.compile(r"^By ([A-Z][^,\n]{1,60})(?:,\s*([^\n]{2,60}))?$")
_DATELINE = re.compile(r"^(?:Updated|Published|Posted)?:?\s*(.*\d{4})$", re.IGNORECASE)


def _plain_header(text: str) -> dict[str, str]:
    """Author, outlet and date from the first lines of a plain-text article: a byline
    ("By Ann Lee, Harbor Ledger") and a dateline ("Updated 6:15 AM EST, Mon January 12, 2026")."""
    found: dict[str, str] = {}
    lines = [line.strip() for line in text.strip().split("\n") if line.strip()][:6]
    for line in lines:
        byline = _BYLINE.match(line)
        if byline and "author" not in found:
            found["author"] = byline.group(1).strip()
            if byline.group(2):
                found["source"] = byline.group(2).strip()
            continue
        dateline = _DATELINE.match(line)
        if dateline and "published" not in found and len(line) < 60:
            when = re.sub(r"^\d{1,2}:\d{2}\s*[AP]M(?:\s+[A-Z]{2,4})?,?\s*", "", dateline.group(1))
            when = re.sub(r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*,?\s+", "", when)
            parsed = parse_date(when)
            if parsed:
                found["published"] = parsed
    return found


def read_html_file(path: Path) -> Iterator[Article | Skip]:
    """An ``.html`` page: the main text and metadata extracted by trafilatura."""
    html = _read_document(path)
    yield (
        html
        if isinstance(html, Skip)
        else article_from_html(html, str(path), article_id=_slug(path.stem))
    )


def article_from_html(html: str, origin: str, article_id: str | None = None) -> Article | Skip:
    """Extract the main text of a web page (no scripts, menus or ads) into an article.

    The id is ``article_id`` when given, else the page's url."""
    import trafilatura

    extracted = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
    )
    doc: dict[str, Any] | None = (
        extracted.as_dict()
        if extracted is not None and hasattr(extracted, "as_dict")
        else extracted
    )
    if not doc or not doc.get("text"):
        return Skip(origin, "no article text found in the page (is it a full article page?)")
    record: dict[str, Any] = {
        "id": article_id or "",
        "title": doc.get("title") or "",
        "body": doc.get("text") or "",
        "url": doc.get("url") or "",
        "author": doc.get("author") or "",
        "published_at": doc.get("date") or "",
        "source": doc.get("sitename") or "",
    }
    return article_from_record(record, origin)


def read_json_file(path: Path) -> Iterator[Article | Skip]:
    """``.jsonl`` / ``.jsonl.gz``: one article a line. ``.json``: an object, a list of them,
    or ``{"articles": [...]}``."""
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        yield from _read_jsonl(path)
        return
    origin = str(path)
    try:
        data = json.loads(_read_utf8(path))
    except (OSError, _FieldError) as exc:
        yield Skip(origin, _reason(exc))
        return
    except json.JSONDecodeError as exc:
        yield Skip(origin, f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}")
        return
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if isinstance(data, list):
        if not data:
            yield Skip(origin, "empty list of articles")
        for i, record in enumerate(data):
            yield article_from_record(record, f"{origin}[{i}]")
    else:
        yield article_from_record(data, origin, default_id=_slug(path.stem.split(".")[0]))


def _read_jsonl(path: Path, max_bytes: int = MAX_BYTES) -> Iterator[Article | Skip]:
    """One article a line, read a line at a time; a line over ``max_bytes`` is skipped
    without being held whole."""
    origin = str(path)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    seen_any = False
    lineno = 0
    try:
        with opener(path, "rb") as handle:
            while raw := handle.readline(max_bytes + 1):
                lineno += 1
                where = f"{origin}:{lineno}"
                if len(raw) > max_bytes and not raw.endswith(b"\n"):
                    size = len(raw)
                    while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                        size += len(rest)
                    yield Skip(where, too_big(size + len(rest), max_bytes, "one line"))
                    seen_any = True
                    continue
                if not raw.strip():
                    continue
                seen_any = True
                try:
                    line = raw.decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    yield Skip(where, f"not valid UTF-8 (byte {exc.start})")
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield Skip(where, f"not valid JSON (column {exc.colno}): {exc.msg}")
                    continue
                yield article_from_record(record, where)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        if lineno:
            yield Skip(
                f"{origin}:{lineno + 1}",
                f"the compressed file ends early or is damaged after line {lineno} "
                f"({_reason(exc)}); the lines before it were read",
            )
        else:
            yield Skip(origin, f"not a readable gzip file: {_reason(exc)}")
        return
    except OSError as exc:
        yield Skip(origin, _reason(exc))
        return
    if not seen_any:
        yield Skip(origin, "empty file")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    return str(exc) or type(exc).__name__


def _reader_for(path: Path) -> Any:
    name = path.name.lower()
    if name.endswith(JSON_SUFFIXES):
        return read_json_file
    if name.endswith(HTML_SUFFIXES):
        return read_html_file
    if name.endswith(TEXT_SUFFIXES):
        return read_text_file
    return None


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path | Skip]:
    """Expand files and folders (recursively, sorted, hidden files left out). A link that
    leads nowhere or round in a loop is a skip that says so."""
    for given in paths:
        path = Path(given).expanduser().absolute()  # origins stay valid from any folder
        if path.is_dir():
            for child in _walk(path):
                if isinstance(child, Skip) or _reader_for(child) is not None:
                    yield child
        elif path.exists():
            if _reader_for(path) is None:
                supported = ", ".join(SUPPORTED_SUFFIXES)
                yield Skip(str(path), f"unsupported file type (supported: {supported})")
            else:
                yield path
        elif path.is_symlink():
            yield Skip(str(path), _broken_link(path))
        else:
            yield Skip(str(path), "file not found")


def _walk(folder: Path) -> Iterator[Path | Skip]:
    """The files under ``folder``, sorted, hidden ones left out; folders reached through
    links are followed once (a link back to a folder already walked is skipped by name)."""
    seen: set[Path] = set()

    def walk(current: Path) -> Iterator[Path | Skip]:
        try:
            real = current.resolve(strict=True)
        except (OSError, RuntimeError):
            yield Skip(str(current), _broken_link(current))
            return
        if real in seen:
            why = f"leads to {real}, read already (a loop of links, or a second way there)"
            yield Skip(str(current), why)
            return
        seen.add(real)
        try:
            children = sorted(current.iterdir())
        except OSError as exc:
            yield Skip(str(current), _reason(exc))
            return
        for child in children:
            if child.name.startswith("."):
                continue
            if child.is_symlink() and not child.exists():
                yield Skip(str(child), _broken_link(child))
            elif child.is_dir():
                yield from walk(child)
            elif child.is_file():
                yield child

    yield from walk(folder)


def _broken_link(path: Path) -> str:
    try:
        path.resolve(strict=True)
    except RuntimeError:
        return "a loop of symbolic links"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a loop of symbolic links"
        return f"a symbolic link to {os.readlink(path)}, which does not exist"
    return "not readable"


def iter_articles(
    paths: Iterable[str | Path], max_bytes: int = MAX_BYTES
) -> Iterator[Article | Skip]:
    """Read every article under ``paths``, streaming: nothing is loaded whole. A file
    over ``max_bytes`` (a ``.jsonl`` line, for those) is skipped before it is read."""
    for item in iter_files(paths):
        if isinstance(item, Skip):
            yield item
            continue
        if item.name.lower().endswith(JSONL_SUFFIXES):
            yield from _read_jsonl(item, max_bytes)
            continue
        try:
            size = item.stat().st_size
        except OSError as exc:
            yield Skip(str(item), _reason(exc))
            continue
        if size > max_bytes:
            yield Skip(str(item), too_big(size, max_bytes))
            continue
        yield from _reader_for(item)(item)
