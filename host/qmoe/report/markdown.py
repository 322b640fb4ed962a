"""A small Markdown subset to self-contained HTML: what report.md and `compare` tables use.

Supported: `#` headings, paragraphs, `- ` lists (one level of `  - ` sub-items), pipe tables,
fenced code blocks, `> ` block quotes (a quote starting with **WARNING** is styled as a warning),
images on a line of their own (`![caption](plots/x.png)`, embedded as data: URIs; consecutive
image lines form a grid), folded sections (`<details>`, `<summary>text</summary>`, `</details>`
each on a line of its own, as GitHub renders them too), and inline `code` and **bold**.
Everything else is escaped and shown as text: the page never loads anything from outside itself.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from pathlib import Path

CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; }
.scroll { overflow-x: auto; max-width: 100%; }
h1, h2, h3 { line-height: 1.25; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } tr:nth-child(even) td { background: #fafafa; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
pre { background: #f6f8fa; padding: .8em; overflow-x: auto; white-space: pre-wrap;
      overflow-wrap: anywhere; }
td code { word-break: break-all; }
@media (max-width: 1000px) { td:first-child { overflow-wrap: anywhere; } }
@media (min-width: 1001px) { td:first-child { white-space: nowrap; } }
details { margin: .6em 0; border: 1px solid #ddd; border-radius: 4px; padding: .3em .8em; }
summary { cursor: pointer; font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr));
        gap: .8em; }
.grid figure { margin: 0; }
blockquote { margin: 1em 0; padding: .5em 1em; border-left: 4px solid #999; background: #f6f6f6; }
blockquote.warning { border-left-color: #cc3311; background: #fde8e4; font-size: 16px; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 13px; color: #555; }
"""

_IMAGE = re.compile(r"^!\[(?P<alt>.*)\]\((?P<src>[^()\s]+)\)$")
_SUMMARY = re.compile(r"^<summary>(?P<text>.*)</summary>$")
_TABLE_SEP = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def inline(text: str) -> str:
    """Escape text and render `code` and **bold** spans."""
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if len(part) > 1 and part.startswith("`") and part.endswith("`"):
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        else:
            esc = html.escape(part)
            out.append(re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", esc))
    return "".join(out)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def _table(lines: list[str]) -> str:
    head, body = _cells(lines[0]), [_cells(x) for x in lines[2:]]
    rows = ["<tr>" + "".join(f"<th>{inline(c)}</th>" for c in head) + "</tr>"]
    rows += ["<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in body]
    return '<div class="scroll"><table>\n' + "\n".join(rows) + "\n</table></div>"


def _list(items: list[str]) -> str:
    """`- ` items; an item's `  - ` lines (kept indented by the caller) are its sub-list."""
    out = []
    for x in items:
        if x.startswith("  ") and out:
            sub = f"<li>{inline(x.strip()[2:])}</li>"
            if out[-1].endswith("</ul></li>"):
                out[-1] = out[-1][: -len("</ul></li>")] + sub + "</ul></li>"
            else:
                out[-1] = out[-1][: -len("</li>")] + "<ul>" + sub + "</ul></li>"
        else:
            out.append(f"<li>{inline(x.strip()[2:])}</li>")
    return "<ul>" + "".join(out) + "</ul>"


def data_uri(path: Path) -> str:
    """A PNG file as a data: URI."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _block_kind(line: str) -> str:
    s = line.strip()
    if not s:
        return "blank"
    if s.startswith("```"):
        return "fence"
    if s in ("<details>", "</details>") or _SUMMARY.match(s):
        return "fold"
    if s.startswith("#"):
        return "heading"
    if s.startswith(">"):
        return "quote"
    if s.startswith("- ") or s.startswith("* "):
        return "list"
    if s.startswith("|"):
        return "table"
    if _IMAGE.match(s):
        return "image"
    return "text"


def to_html_body(md: str, image: Callable[[str], str]) -> str:
    """Render the Markdown subset; `image(src)` returns what goes into an <img src=…>."""
    lines = md.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        kind = _block_kind(lines[i])
        s = lines[i].strip()
        if kind == "blank":
            i += 1
        elif kind == "fence":
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            out.append("<pre>" + html.escape("\n".join(lines[i + 1 : j])) + "</pre>")
            i = j + 1
        elif kind == "fold":
            m = _SUMMARY.match(s)
            out.append(f"<summary>{inline(m['text'])}</summary>" if m else s)
            i += 1
        elif kind == "heading":
            level = min(6, len(s) - len(s.lstrip("#")))
            out.append(f"<h{level}>{inline(s[level:].strip())}</h{level}>")
            i += 1
        elif kind == "image":
            j = i
            figures = []
            while j < len(lines) and _block_kind(lines[j]) == "image":
                m = _IMAGE.match(lines[j].strip())
                alt = html.escape(m["alt"], quote=True)
                figures.append(
                    f'<figure><img src="{image(m["src"])}" alt="{alt}">'
                    f"<figcaption>{inline(m['alt'])}</figcaption></figure>"
                )
                j += 1
            out.append(
                figures[0]
                if len(figures) == 1
                else '<div class="grid">' + "".join(figures) + "</div>"
            )
            i = j
        else:
            j = i + 1
            while j < len(lines) and _block_kind(lines[j]) == kind:
                j += 1
            block = [x.rstrip() if kind == "list" else x.strip() for x in lines[i:j]]
            out.append(_render_block(kind, block, image))
            i = j
    return "\n".join(out)


def _render_block(kind: str, block: list[str], image: Callable[[str], str]) -> str:
    if kind == "quote":
        inner = to_html_body("\n".join(x[1:].lstrip() for x in block), image)
        cls = ' class="warning"' if block[0][1:].lstrip().startswith("**WARNING") else ""
        return f"<blockquote{cls}>{inner}</blockquote>"
    if kind == "list":
        return _list(block)
    if kind == "table" and len(block) >= 2 and _TABLE_SEP.match(block[1]):
        return _table(block)
    return "<p>" + "<br>\n".join(inline(x) for x in block) + "</p>"


def to_html_page(md: str, title: str, base: Path) -> str:
    """A whole self-contained page: inline CSS, images under `base` embedded as data: URIs."""

    def image(src: str) -> str:
        path = Path(base) / src
        return data_uri(path) if path.is_file() else ""

    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{to_html_body(md, image)}\n</body>\n</html>\n"
    )


def demote(md: str, levels: int) -> str:
    """Push every heading of `md` down by `levels` (so a foreign document nests in a section)."""
    out, fenced = [], False
    for line in md.splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("#"):
            line = "#" * levels + line
        out.append(line)
    return "\n".join(out)
