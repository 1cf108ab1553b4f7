"""Make a graded notebook safe to open: the formgrader, the feedback, a terminal.

A submission is untrusted. Whatever it puts into its outputs (``display(HTML(...))``,
``display(Javascript(...))``, an SVG, a widget) and whatever raw HTML a student types
into a markdown answer reaches the instructor's browser through the formgrader page
and the student's through ``nbgrader generate_feedback``. Both pages are served by the
Jupyter server, so a script there could call its API with the instructor's session.

:class:`SanitizeOutputs` is an nbgrader/nbconvert preprocessor. ``nbgrader_config.py``
runs it in ``nbgrader autograde`` after execution (so the stored autograded notebook,
which the formgrader renders, is clean), in ``nbgrader generate_feedback``, and in
every ``HTMLExporter`` the formgrader builds (so a notebook graded before it existed
is cleaned when it is rendered). For every cell it

* removes outputs of every mime type it does not know to be inert (``application/javascript``,
  ``application/vnd.*+javascript``, widget views, ...), leaving a short ``text/plain`` note;
* cleans ``text/html`` and ``text/markdown`` outputs and ``image/svg+xml`` with an
  allowlist (the ammonia sanitizer through ``nh3``): no script, style, iframe, object,
  embed, form, meta, base or link, no event handler attributes, no ``javascript:`` or
  ``data:`` URL except ``data:image/...`` in an image, no ``url(...)`` except ``url(#id)``;
* cleans the raw HTML in markdown and raw cells that a student could have written
  (every cell except locked cells whose source nbgrader restored from the gradebook):
  the cell is rendered as nbconvert renders it, cleaned, and only if cleaning removed
  something is the source replaced by the clean HTML (one line, so that markdown
  leaves it alone). Markdown without dangerous HTML is kept as the student wrote it;
* removes terminal control from output text: every ANSI escape sequence except
  colours (SGR), carriage returns resolved as Jupyter shows them, other C0/C1
  control characters and Unicode direction overrides.

What it never changes, so grades stay what nbgrader computes: the number, order and
type of outputs, a stream's name (``stderr`` means 0 points), the ``text/plain`` of an
``execute_result`` in a graded cell (nbgrader reads partial credit from it), the source
of locked cells (their checksums), and cell metadata.

Colours in tracebacks and streams are kept on purpose: nbconvert's ``ansi2html`` turns
them into escaped HTML spans, and frontends render them the same way; none of it is
sent to a terminal. Text that *is* printed to a terminal (a grading summary, a log
line) goes through :func:`safe_terminal_text`, which keeps no control at all.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

import nh3
from nbconvert.preprocessors import Preprocessor
from nbgrader import utils as nbutils
from traitlets import Bool, Unicode

__all__ = [
    "SanitizeOutputs",
    "clean_html",
    "clean_markdown",
    "clean_output_text",
    "clean_svg",
    "safe_terminal_text",
]

# --------------------------------------------------------------------------
# Terminal control

# ECMA-48: control strings (OSC, DCS, SOS, PM, APC) run to ST or BEL; an
# unterminated one is dropped to the end, as a terminal would swallow it.
_STRING = (
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])(?:[^\x07\x1b\x9c]|\x1b(?!\\))*(?:\x07|\x1b\\|\x9c)?"
)
_CSI = r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
_ESC = r"\x1b[ -/]*[0-~]?"
_ESCAPES = re.compile(f"{_STRING}|{_CSI}|{_ESC}")
#: SGR (colours, bold): the only escape sequence kept in notebook outputs.
_SGR = re.compile(r"\x1b\[[0-9;:]*m")
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# C0 and C1 controls and DEL (tab and newline are handled separately), and the
# Unicode bidirectional controls that reorder what a terminal shows.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_BUT_ESC = re.compile(
    r"[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_BREAKS_BUT_CR = re.compile(r"[\v\f\x1c-\x1e\x85\u2028\u2029]")


def safe_terminal_text(text: object, *, newlines: bool = False) -> str:
    """Return `text` with nothing a terminal would act on: safe to print.

    Every ANSI/ECMA-48 escape sequence (colours, cursor movement, line erasing,
    OSC titles and hyperlinks, 7-bit and 8-bit forms) is removed, and so is every
    other C0/C1 control character, DEL and the Unicode direction overrides.
    A tab becomes a space. A line break (``\\n``, ``\\r``, ``\\r\\n``, ``\\v``,
    ``\\f``, U+2028, ...) becomes a space, so the text stays on one line and cannot
    fake a row of a table; with ``newlines=True`` it becomes ``\\n`` instead.
    """
    text = _ESCAPES.sub("", str(text))
    text = _LINE_BREAKS.sub("\n" if newlines else " ", text)
    text = text.replace("\t", " ")
    return _CONTROLS.sub("", text)


def _carriage_returns(line: str) -> str:
    """Resolve ``\\r`` in one line as a terminal (and Jupyter) shows it: overwrite."""
    if "\r" not in line:
        return line
    line = _SGR.sub("", line)
    shown = ""
    for part in line.split("\r"):
        shown = part + shown[len(part) :]
    return shown


def clean_output_text(text: str) -> str:
    """Output text (a stream, a traceback line, ``text/plain``) for a notebook or HTML.

    Colours (SGR sequences) stay: ``ansi2html`` and Jupyter frontends render them
    as escaped HTML. Carriage returns are resolved as Jupyter shows them (a progress
    bar keeps its last state); every other escape sequence and control character
    except tab and newline is removed.
    """
    # Every ESC starts a sequence that _ESCAPES matches, so afterwards each ESC left
    # is the start of a colour sequence.
    text = _ESCAPES.sub(lambda m: m.group() if _SGR.fullmatch(m.group()) else "", text)
    text = _BREAKS_BUT_CR.sub("\n", text.replace("\r\n", "\n"))
    text = "\n".join(_carriage_returns(line) for line in text.split("\n"))
    return _CONTROLS_BUT_ESC.sub("", text)


# --------------------------------------------------------------------------
# HTML

_HTML_TAGS = {
    "a", "abbr", "b", "bdi", "blockquote", "br", "caption", "center", "cite", "code",
    "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small", "span",
    "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "time", "tr", "tt", "u", "ul", "var", "wbr",
}  # fmt: skip
# Removed with everything inside: scripts and styles, embedded documents, and the
# elements whose content is raw text in HTML (a parser difference there is how
# sanitizers are bypassed). Inline SVG and MathML in HTML go too (namespace tricks).
_HTML_DROP = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
    "noscript", "noembed", "noframes", "template", "textarea", "title", "xmp",
    "plaintext", "svg", "math", "select", "option", "button", "head",
}  # fmt: skip
_HTML_ATTRIBUTES = {
    "*": {"class", "dir", "lang", "title", "style", "align", "valign"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "time": {"datetime"},
    "details": {"open"},
    "table": {"border"},
}
# CSS properties allowed in a style attribute: none of them takes a URL, none
# moves an element out of its box (no position, no z-index, no transform).
_STYLE_PROPERTIES = {
    "color", "background-color", "font-weight", "font-style", "font-family", "font-size",
    "text-align", "text-decoration", "vertical-align", "white-space", "line-height",
    "padding", "padding-left", "padding-right", "padding-top", "padding-bottom",
    "margin", "margin-left", "margin-right", "margin-top", "margin-bottom",
    "border", "border-left", "border-right", "border-top", "border-bottom",
    "border-collapse", "border-color", "border-style", "border-width",
    "width", "height", "max-width", "min-width",
}  # fmt: skip
# Class names the rendering itself produces (pygments tokens and code blocks,
# anchors, pandas, ansi colours) and Bootstrap alerts; not the page's layout
# classes (modal, fixed, hidden, ...) that could cover the grading form.
_SAFE_CLASS = re.compile(
    r"[a-z][a-z0-9]{0,2}|highlight|hl-[a-z0-9_+-]+|anchor-link|dataframe|ansi-[a-z-]+"
    r"|alert|alert-(?:info|success|warning|danger)|text-(?:left|right|center)"
)
_URL_SCHEMES = {"http", "https", "mailto", "data"}
_DATA_IMAGE = re.compile(r"\s*data:image/[a-z0-9.+-]+[;,]", re.I)
_URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "background"}


# Attributes whose value CSS reads (url(), escapes, expressions).
_CSS_ATTRIBUTES = {
    "style", "fill", "stroke", "clip-path", "mask", "filter", "marker-start", "marker-mid",
    "marker-end", "cursor",
}  # fmt: skip
_CSS_URL = re.compile(r"url\s*\(\s*[\"']?\s*(?!#)", re.I)
_CSS_TRICKS = re.compile(r"expression\s*\(|image-set|@import|-moz-binding|behavior\s*:", re.I)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Called by ammonia for every attribute it allows: return the value, or None to drop it."""
    if attribute == "class":
        kept = [name for name in value.split() if _SAFE_CLASS.fullmatch(name)]
        return " ".join(kept) or None
    if attribute in _URL_ATTRIBUTES:
        # ammonia allows only http(s), mailto, data and relative URLs here.
        if tag in {"img", "image"}:
            # An image never makes a request from the page: data:image/... only.
            return value if _DATA_IMAGE.match(value) else None
        if value.strip().lower().startswith("data:"):
            return None
        if tag in _SVG_TAGS:
            return value if value.strip().startswith("#") else None
    if attribute in _CSS_ATTRIBUTES and "\\" in value:
        return None  # CSS escapes spell anything (u\72l)
    if _CSS_URL.search(value) or _CSS_TRICKS.search(value):
        return None  # url(#clip) only: nothing that loads from elsewhere
    return value


def _cleaner(tags, drop, attributes, url_schemes, style_properties, **more) -> nh3.Cleaner:
    """An ammonia cleaner that keeps `tags` and removes `drop` with all they hold.

    What HTML and SVG share: every allowed attribute passes :func:`_filter_attribute`,
    comments are removed and links get no ``rel``.
    """
    return nh3.Cleaner(
        tags=tags,
        clean_content_tags=drop,
        attributes=attributes,
        attribute_filter=_filter_attribute,
        url_schemes=url_schemes,
        filter_style_properties=style_properties,
        link_rel=None,
        strip_comments=True,
        **more,
    )


@functools.cache
def _html_cleaner() -> nh3.Cleaner:
    """The cleaner of HTML, built on first use."""
    return _cleaner(_HTML_TAGS, _HTML_DROP, _HTML_ATTRIBUTES, _URL_SCHEMES, _STYLE_PROPERTIES)


def clean_html(fragment: str) -> str:
    """An HTML fragment with only inert markup left (see the module's docstring)."""
    return _html_cleaner().clean(fragment)


# --------------------------------------------------------------------------
# SVG (rendered as <img src="data:image/svg+xml..."> by nbconvert and JupyterLab,
# which runs no script, but cleaned for every other viewer too)

_SVG_TAGS = {
    "svg", "g", "defs", "symbol", "use", "path", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "textPath", "title", "desc", "clipPath",
    "mask", "pattern", "marker", "linearGradient", "radialGradient", "stop", "image",
    "filter", "feGaussianBlur", "feOffset", "feBlend", "feColorMatrix", "feFlood",
    "feComposite", "feMerge", "feMergeNode",
}  # fmt: skip
_SVG_DROP = {
    "script", "style", "foreignObject", "iframe", "object", "embed", "metadata",
    "animate", "animateTransform", "animateMotion", "set", "handler", "listener",
    "a", "noscript", "template", "math",
}  # fmt: skip
_SVG_GENERIC = {
    "id", "class", "style", "transform", "fill", "fill-opacity", "fill-rule", "stroke",
    "stroke-width", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit",
    "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity", "clip-path",
    "clip-rule", "mask", "filter", "font-family", "font-size", "font-weight", "font-style",
    "text-anchor", "dominant-baseline", "alignment-baseline", "baseline-shift",
    "letter-spacing", "word-spacing", "visibility", "display", "color", "x", "y", "x1",
    "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "width", "height", "d",
    "points", "viewBox", "preserveAspectRatio", "xmlns", "version", "offset",
    "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod",
    "patternUnits", "patternContentUnits", "patternTransform", "clipPathUnits",
    "maskUnits", "maskContentUnits", "markerWidth", "markerHeight", "markerUnits",
    "refX", "refY", "orient", "marker-start", "marker-mid", "marker-end", "dx", "dy",
    "rotate", "textLength", "lengthAdjust", "startOffset", "href", "xml:space",
    "stdDeviation", "in", "in2", "result", "mode", "type", "values", "operator",
    "flood-color", "flood-opacity", "filterUnits", "primitiveUnits",
}  # fmt: skip
_SVG_STYLE_PROPERTIES = {
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap",
    "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset",
    "stroke-opacity", "opacity", "clip-path", "font", "text-anchor", "stop-color",
    "stop-opacity", "visibility", "display",
}  # fmt: skip


@functools.cache
def _svg_cleaner() -> nh3.Cleaner:
    """The cleaner of SVG, built on first use."""
    return _cleaner(
        _SVG_TAGS,
        _SVG_DROP,
        {"*": _SVG_GENERIC},
        {"data"},
        _STYLE_PROPERTIES | _SVG_STYLE_PROPERTIES,
        set_tag_attribute_values={"svg": {"xmlns:xlink": "http://www.w3.org/1999/xlink"}},
    )


def clean_svg(svg: str) -> str:
    """An SVG document with only drawing left: no script, handler, link or foreign content."""
    cleaned = _svg_cleaner().clean(svg)
    # The result is read as XML when it is shown as an image: XML knows no &nbsp;.
    return cleaned.replace("&nbsp;", "&#160;")


# --------------------------------------------------------------------------
# Markdown


class _Canonical(HTMLParser):
    """HTML as a list of (event, name, attributes or text): what a browser builds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        # The renderer gives headings an id (stock nbconvert too); the cleaner drops
        # every id. Any other id counts, and makes the cell be replaced.
        ignore = {"id"} if tag in {"h1", "h2", "h3", "h4", "h5", "h6"} else set()
        kept = sorted((k, v or "") for k, v in attrs if k not in ignore)
        self.events.append(("start", tag, tuple(kept)))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        if self.events and self.events[-1][0] == "data":
            self.events[-1] = ("data", self.events[-1][1] + data)
        else:
            self.events.append(("data", data))

    def handle_comment(self, data):
        self.events.append(("comment", data))

    def handle_decl(self, decl):
        self.events.append(("decl", decl))

    def handle_pi(self, data):
        self.events.append(("pi", data))

    def unknown_decl(self, data):
        self.events.append(("decl", data))


def _canonical(fragment: str) -> list[tuple]:
    parser = _Canonical()
    parser.feed(fragment)
    parser.close()
    events = []
    for event in parser.events:
        if event[0] == "data":
            text = re.sub(r"\s+", " ", event[1])
            if text.strip():
                events.append(("data", text.strip()))
        elif event[0] in {"start", "end"} and event[1] in {"br", "wbr", "hr", "img", "col"}:
            if event[0] == "start":  # void elements: <br> and <br/> are the same
                events.append(event)
        else:
            events.append(event)
    return events


def render_markdown(source: str, attachments: dict | None = None) -> str:
    """Markdown to HTML as nbconvert's HTMLExporter renders a markdown cell."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(escape=False, attachments=attachments or {})
    return MarkdownWithMath(renderer=renderer).render(source)


def clean_markdown(source: str, attachments: dict | None = None) -> str:
    """Markdown with any dangerous HTML removed.

    The markdown is rendered as nbconvert renders it. If cleaning the HTML changes
    nothing but spelling, `source` is returned as it is; otherwise the clean HTML
    is returned, on one line inside a ``<div>`` (markdown passes such a block
    through untouched, so it renders exactly as cleaned).
    """
    rendered = render_markdown(source, attachments)
    cleaned = clean_html(rendered)
    if _canonical(cleaned) == _canonical(rendered):
        return source
    # A newline as a character reference is the same HTML, and keeps the block
    # on one line: after a blank line, markdown would parse the rest again.
    one_line = cleaned.strip().replace("\r", "&#13;").replace("\n", "&#10;")
    return f"<div>{one_line}</div>"


# --------------------------------------------------------------------------
# The preprocessor

#: Output mime types that render inert (text, images, JSON) or are cleaned here.
SAFE_MIMETYPES = frozenset(
    {
        "text/plain",
        "text/html",
        "text/markdown",
        "text/latex",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/bmp",
        "image/svg+xml",
        "application/json",
    }
)


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


class SanitizeOutputs(Preprocessor):
    """Remove scripts and terminal control from a graded notebook (see the module docstring).

    A plain nbconvert preprocessor, on by default as nbgrader's are, so that the same
    class serves nbgrader's converters and any ``HTMLExporter`` (the formgrader's).
    """

    enabled = Bool(True, help="Whether to clean notebooks").tag(config=True)

    note = Unicode(
        "[{mimetypes} output removed: a submission's scripts and widgets are not shown]",
        help="Text shown instead of removed outputs; {mimetypes} names what was removed.",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        # Widget state would be handed to a widget manager that renders HTML.
        nb.metadata.pop("widgets", None)
        self.removed = 0
        nb, resources = super().preprocess(nb, resources)
        if self.removed:
            self.log.info("Sanitised %d output(s) or cell(s) of the notebook", self.removed)
        return nb, resources

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type in {"markdown", "raw"} and not self._trusted_source(cell):
            source = _joined(cell.source)
            if cell.cell_type == "markdown":
                cleaned = clean_markdown(source, cell.get("attachments"))
            else:
                cleaned = clean_html(source)
                if _canonical(cleaned) == _canonical(source):
                    cleaned = source
            if cleaned != source:
                cell.source = cleaned
                self.removed += 1
        if cell.cell_type == "code":
            graded = nbutils.is_grade(cell)
            for output in cell.get("outputs", []):
                self._output(output, graded)
        return cell, resources

    @staticmethod
    def _trusted_source(cell) -> bool:
        # A locked cell that nbgrader knows: OverwriteCells put back the gradebook's
        # source and its checksum must not change. A cell whose grade_id nbgrader did
        # not know has lost it, so a student cannot mark their own cell as locked.
        meta = cell.metadata.get("nbgrader", {})
        return bool(meta.get("grade_id")) and nbutils.is_locked(cell)

    def _output(self, output, graded: bool) -> None:
        kind = output.get("output_type")
        if kind == "stream":
            text = _joined(output.get("text", ""))
            cleaned = clean_output_text(text)
            if cleaned != text:
                output["text"] = cleaned
                self.removed += 1
        elif kind == "error":
            output["ename"] = safe_terminal_text(output.get("ename", ""))
            output["evalue"] = clean_output_text(_joined(output.get("evalue", "")))
            output["traceback"] = [clean_output_text(line) for line in output.get("traceback", [])]
        elif kind in {"display_data", "execute_result", "update_display_data"}:
            self._data(output, keep_plain=graded and kind == "execute_result")

    def _data(self, output, keep_plain: bool) -> None:
        data = output.get("data", {})
        removed = sorted(mime for mime in data if mime not in SAFE_MIMETYPES)
        for mime in removed:
            del data[mime]
            output.get("metadata", {}).pop(mime, None)
        if removed:
            self.removed += 1
        if "text/html" in data:
            data["text/html"] = self._changed(data["text/html"], clean_html)
        if "text/markdown" in data:
            data["text/markdown"] = self._changed(data["text/markdown"], clean_markdown)
        if "image/svg+xml" in data:
            data["image/svg+xml"] = self._changed(data["image/svg+xml"], clean_svg)
        if keep_plain:
            return  # nbgrader reads a graded cell's score from this text, exactly
        if removed:
            data["text/plain"] = self.note.format(mimetypes=", ".join(removed))
        elif "text/plain" in data:
            data["text/plain"] = self._changed(data["text/plain"], clean_output_text)

    def _changed(self, value, clean) -> str:
        text = _joined(value)
        cleaned = clean(text)
        if cleaned != text:
            self.removed += 1
        return cleaned
