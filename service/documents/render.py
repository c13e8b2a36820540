"""Safe DOCX rendering: sandboxed Jinja over a fresh docxtpl template, cleaned data, stable bytes.

Templates are edited by clerks, so they are checked before use (`check_template`) and always run
in an immutable sandbox; data comes from users, so it is normalised and stripped of what XML
cannot hold; output is byte-stable so its SHA-256 can be filed as the document's checksum.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import re
import string
import threading
import time
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache, wraps
from types import CodeType
from typing import Any, TypeVar

from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, Template, meta, nodes, pass_context
from jinja2 import TemplateError as JinjaTemplateError
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum
from jinja2.visitor import NodeTransformer

from workflows.docx_package import (
    Member,
    PackageRefused,
    check_package,
    deflated,
    stored_members,
    write_members,
)
from workflows.docx_properties import ZIP_DATE_TIME, write_package
from workflows.text import clean_text

__all__ = [
    "TemplateError",
    "check_template",
    "render_docx",
    "render_docx_whole",
    "template_variables",
    "time_limit",
]
_T = TypeVar("_T")

# A constant stamp keeps output independent of the clock; 1980-01-01 is the earliest ZIP date.
_UNDATED = datetime(*ZIP_DATE_TIME)

_FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# The core properties docxtpl renders as templates (see DocxTemplate.render_properties).
_TEMPLATED_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


class TemplateError(ValueError):
    """A template or rendering the service must refuse; the message names the problem."""


class UnreadableTemplate(TemplateError):
    """The template's bytes could not be opened as a DOCX: refused at upload; in a worker, where
    the template was accepted before, a reason to try again rather than to give up."""


def render_docx(template_bytes: bytes, context: Mapping[str, Any]) -> bytes:
    """Render `context` into the template; same template and context give the same bytes.
    The render is bounded (`RenderLimit`) wherever it runs, so a hostile template fails fast.
    Only the parts that hold template code are rendered and compressed; every other part keeps
    the template's compressed bytes (`_Prepared`)."""
    clean: dict[str, Any] = _clean(context)
    prepared = _prepared(template_bytes)
    if prepared is None:
        return render_docx_whole(template_bytes, clean)
    moment = _document_time(clean.get("issue_date_iso"))
    parts = _bounded(lambda: prepared.render(clean, moment))
    return write_members(
        deflated(m.name, parts[m.name]) if m.name in parts else m for m in prepared.members
    )


def render_docx_whole(template_bytes: bytes, context: Mapping[str, Any]) -> bytes:
    """The same render through docxtpl's whole document: every part parsed, saved and
    compressed again. For a package `render_docx` cannot keep as it is, and the benchmark."""
    clean: dict[str, Any] = _clean(context)
    template = _open(template_bytes)
    _bounded(lambda: template.render(clean, jinja_env=_SANDBOX, autoescape=True))
    return save_stable(template.docx, _document_time(clean.get("issue_date_iso")))


def _bounded(render: Callable[[], _T]) -> _T:
    """`render()` within the render budget, whatever fails in it named as a `TemplateError`."""
    budget = _BUDGET.set(_Budget(deadline=_clock() + RENDER_SECONDS))
    try:
        return render()
    except RenderLimit as exc:
        raise TemplateError(str(exc)) from exc
    except SecurityError as exc:
        raise TemplateError(f"unsafe template code: {exc}") from exc
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error: {exc.message} line {exc.lineno}") from exc
    except UndefinedError as exc:
        raise TemplateError(f"undefined value in template: {exc}") from exc
    except JinjaTemplateError as exc:
        raise TemplateError(f"template error: {exc}") from exc
    except Exception as exc:  # whatever a malformed template makes lxml or python-docx raise
        raise TemplateError(f"template rendering failed: {type(exc).__name__}: {exc}") from exc
    finally:
        _BUDGET.reset(budget)


def save_stable(document: DocxDocument, moment: datetime) -> bytes:
    """The package dated `moment` throughout, byte for byte the same for the same content."""
    _stamp(document.core_properties, moment)
    out = io.BytesIO()
    document.save(out)
    return _stable_zip(out.getvalue())


def _stamp(properties: CoreProperties, moment: datetime) -> None:
    properties.created = moment
    properties.modified = moment
    properties.last_printed = moment
    properties.revision = 1


def template_variables(template_bytes: bytes) -> set[str]:
    """Top-level names the template reads from the context (Jinja's own globals excluded)."""
    template = _open(template_bytes)
    env = _SANDBOX
    names: set[str] = set()
    for label, source in _sources(template):
        try:
            ast = env.parse(source)
        except TemplateSyntaxError as exc:
            raise TemplateError(_syntax_message(exc, label, source)) from exc
        names |= meta.find_undeclared_variables(ast)
    return names - set(env.globals)


def check_template(
    template_bytes: bytes, provided: Collection[str], sample_context: Mapping[str, Any]
) -> None:
    """Refuse a template before it is stored: an unsafe package, broken file, unknown names, or
    a failing trial, as a draft and as issued (so no branch on `is_draft` escapes the trial).
    Each trial is bounded like every render, so the check is too."""
    try:
        check_package(template_bytes)
    except PackageRefused as exc:
        raise TemplateError(str(exc)) from exc
    unknown = template_variables(template_bytes) - set(provided)
    if unknown:
        raise TemplateError("unknown variables: " + ", ".join(sorted(unknown)))
    for is_draft in (True, False):
        rendered = render_docx(template_bytes, {**sample_context, "is_draft": is_draft})
        try:
            Document(io.BytesIO(rendered))
        except Exception as exc:
            raise TemplateError(f"template renders an invalid DOCX file: {exc}") from exc


# The same template bytes give docxtpl the same XML, the same clean-up of it and the same Jinja
# source every render: both are done once per process and remembered. Cleaning and compiling
# were about half of a render's time. The shipped templates take about 10 pieces (bodies,
# headers, footers, properties) and 2.5 MB; 64 keep several versions of each.
CACHED_PIECES = 64


class _Template(DocxTemplate):
    """docxtpl's template whose XML clean-up for Jinja is remembered (it depends on the XML
    alone); everything else is per render, as before."""

    def patch_xml(self, src_xml: str) -> str:
        return _patched(src_xml)

    def resolve_listing(self, xml: str) -> str:
        """docxtpl's pass, skipped where it has nothing to change: it only turns these
        characters into tabs, breaks and paragraphs, and rewrites every paragraph to do it."""
        if any(char in xml for char in _LISTING):
            return str(super().resolve_listing(xml))
        return xml


_LISTING = ("\t", "\a", "\n", "\f")


@lru_cache(maxsize=CACHED_PIECES)
def _patched(src_xml: str) -> str:
    return str(DocxTemplate.patch_xml(None, src_xml))  # docxtpl's clean-up reads nothing of self


# What one render may spend: far beyond the shipped templates (a few hundred loop turns and
# calls, 3 MB of XML, 0.1 s), far below what would hold a web or render worker.
RENDER_SECONDS = 10.0
MAX_RANGE = 10_000  # items of one range()
MAX_STEPS = 200_000  # loop turns and calls, together
MAX_TEXT = 1_000_000  # characters (or items) of any one value a template makes
MAX_OUTPUT = 30_000_000  # characters one render writes, every piece, buffer and macro included
MAX_WIDTH = 10_000  # a width or precision in a format, a width given to a filter or method
MAX_INT_BITS = 4096  # an integer a template computes


class RenderLimit(SecurityError):
    """A render went past its budget; the message says which, in Vietnamese."""


@dataclass
class _Budget:
    deadline: float
    steps: int = 0
    output: int = 0


_BUDGET: ContextVar[_Budget | None] = ContextVar("render_budget", default=None)
_clock: Callable[[], float] = time.monotonic


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """A worker's hard stop for what the sandbox's checks between two steps cannot interrupt,
    such as docxtpl's XML work; a render it stops fails as over time. It raises in the rendering
    thread itself (as a signal would, at its next bytecode), so it holds in the embedded
    default's threads pool as in a prefork process, where only the main thread gets signals."""

    class Overtime(RenderLimit):
        def __init__(self) -> None:
            super().__init__(f"Dựng văn bản quá thời gian cho phép ({seconds:g} giây)")

    target = ctypes.c_ulong(threading.get_ident())
    guard = threading.Lock()
    over = False

    def expire() -> None:
        with guard:
            if not over:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(target, ctypes.py_object(Overtime))

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with guard:  # once past here the timer can no longer raise in this thread
            over = True
        timer.cancel()


def _budget() -> _Budget:
    budget = _BUDGET.get()
    if budget is None:  # compiled templates only ever run inside render_docx
        raise RenderLimit("Mẫu văn bản chỉ được dựng qua render_docx")
    return budget


def _step() -> None:
    """One loop turn or call: within the step count and the wall-clock budget."""
    budget = _budget()
    budget.steps += 1
    if budget.steps > MAX_STEPS:
        raise RenderLimit(f"Mẫu văn bản lặp hoặc gọi hàm quá {MAX_STEPS:,} lần")
    if _clock() > budget.deadline:
        raise RenderLimit(f"Dựng văn bản quá thời gian cho phép ({RENDER_SECONDS:g} giây)")


def _sized(value: Any) -> Any:
    """`value`, unless it is a text or list too long for a template to have made."""
    if isinstance(value, str | list | tuple) and len(value) > MAX_TEXT:
        raise RenderLimit(f"Mẫu văn bản tạo giá trị dài quá {MAX_TEXT:,} ký tự")
    return value


def _width(value: Any) -> None:
    if isinstance(value, int) and abs(value) > MAX_WIDTH:
        raise RenderLimit(f"Độ rộng {value} vượt giới hạn {MAX_WIDTH:,}")


def _text_length(text: str, grows_by: int) -> None:
    """Refuse before it is built: a text of `len(text)` growing by up to `grows_by` per char."""
    if len(text) * (1 + max(0, grows_by)) > MAX_TEXT:
        raise RenderLimit(f"Mẫu văn bản tạo giá trị dài quá {MAX_TEXT:,} ký tự")


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_percent(text: str) -> None:
    """`%`-formatting whose widths stay small (a `*` width is refused: it comes from data)."""
    for match in _PERCENT_SPEC.finditer(text):
        for number in match.groups():
            if number == "*":
                raise RenderLimit("Định dạng % với độ rộng '*' không được phép")
            if number is not None:
                _width(int(number))


def _check_format(text: str) -> None:
    """`str.format` specs whose widths and precisions stay small and are not nested."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return  # str.format raises the same error itself
    for _, _, spec, _ in fields:
        if spec and "{" in spec:
            raise RenderLimit("Định dạng lồng nhau không được phép")
        for number in re.findall(r"\d+", spec or ""):
            _width(int(number))


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse, before computing it, a repetition, power or format that would be huge."""
    if operator == "*":
        for sequence, count in ((left, right), (right, left)):
            if (
                isinstance(sequence, str | list | tuple)
                and isinstance(count, int)
                and len(sequence) * max(0, count) > MAX_TEXT
            ):
                raise RenderLimit(f"Mẫu văn bản tạo giá trị dài quá {MAX_TEXT:,} ký tự")
        if (
            isinstance(left, int)
            and isinstance(right, int)
            and abs(left).bit_length() + abs(right).bit_length() > MAX_INT_BITS
        ):
            raise RenderLimit("Mẫu văn bản tính số quá lớn")
    elif operator == "**" and isinstance(left, int) and isinstance(right, int):
        if abs(left) > 1 and abs(left).bit_length() * max(0, right) > MAX_INT_BITS:
            raise RenderLimit("Mẫu văn bản tính số quá lớn")
    elif operator == "%" and isinstance(left, str):
        _check_percent(left)


def _check_join(items: Any, separator: Any) -> None:
    if (
        isinstance(items, list | tuple)
        and sum(len(str(item)) + len(str(separator)) for item in items) > MAX_TEXT
    ):
        raise RenderLimit(f"Mẫu văn bản tạo giá trị dài quá {MAX_TEXT:,} ký tự")


def _check_widening(name: str, text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Text methods and filters that widen their input, bounded before they run: `text` is
    the text they work on, `args` what follows it."""
    if name in ("ljust", "rjust", "center", "zfill", "expandtabs", "indent", "wordwrap"):
        for value in (*args, *kwargs.values()):
            _width(value)
        if name == "indent":
            width = args[0] if args else kwargs.get("width", 4)
            _text_length(text, width if isinstance(width, int) else len(str(width)))
    elif name == "replace" and len(args) >= 2:
        _text_length(text, len(str(args[1])))
    elif name == "format":
        _check_percent(text)


def _check_call(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """A call to a method of a text (`'x'.ljust(…)`, `', '.join(…)`): bounded before it runs."""
    text = getattr(method, "__self__", None)
    if isinstance(text, str):
        name = getattr(method, "__name__", "")
        if name == "join" and args:
            _check_join(args[0], text)
        else:
            _check_widening(name, text, args, kwargs)


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in filter whose widening arguments are checked first and whose result is sized.
    Its value is the first argument after the context or environment it may be passed."""
    skip = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0

    @wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        value, rest = args[skip], tuple(args[skip + 1 :])
        if name == "join":
            _check_join(list(value) if isinstance(value, range) else value, rest[:1] or "")
        elif isinstance(value, str):
            _check_widening(name, value, rest, kwargs)
        return _sized(function(*args, **kwargs))

    return bounded


def _range(*args: int) -> range:
    """range() within MAX_RANGE items, each spent from the step budget when iterated."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise RenderLimit(f"range() quá {MAX_RANGE:,} phần tử")
    return numbers


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    for value in (n, min, max):
        if value > 100:
            raise RenderLimit("lipsum() quá lớn")
    return str(generate_lorem_ipsum(n=n, html=html, min=min, max=max))


@pass_context
def _loop_guard(_context: Context, iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        _step()
        yield item


@pass_context
def _emit(_context: Context, value: Any) -> Any:
    """Charge what an output tag writes to the render's output budget."""
    budget = _budget()
    budget.output += len(value) if isinstance(value, str) else len(str(value))
    if budget.output > MAX_OUTPUT:
        raise RenderLimit(f"Mẫu văn bản viết ra quá {MAX_OUTPUT:,} ký tự")
    return value


@pass_context
def _charge(context: Context, static: int) -> str:
    """Charge an output tag's static text; writes nothing."""
    budget = _budget()
    budget.output += static
    if budget.output > MAX_OUTPUT:
        raise RenderLimit(f"Mẫu văn bản viết ra quá {MAX_OUTPUT:,} ký tự")
    return ""


@pass_context
def _value(_context: Context, value: Any) -> Any:
    return _sized(value)


_GUARDS: dict[str, Callable[..., Any]] = {
    "_vanthu_loop": _loop_guard,
    "_vanthu_emit": _emit,
    "_vanthu_charge": _charge,
    "_vanthu_value": _value,
}


def _guard(name: str, node: nodes.Node) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


class _Instrument(NodeTransformer):
    """Route every loop, output tag and `~` through the budget: loop turns are counted, and
    everything written, into the document or into a macro's or a set block's buffer, is
    charged, so no buffer grows unbounded before it is joined."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _guard("_vanthu_loop", node.iter)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _guard("_vanthu_value", node)

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        static = sum(len(n.data) for n in node.nodes if isinstance(n, nodes.TemplateData))
        node.nodes = [
            _guard("_vanthu_charge", nodes.Const(static, lineno=node.lineno)),
            *(
                n if isinstance(n, nodes.TemplateData) else _guard("_vanthu_emit", n)
                for n in node.nodes
            ),
        ]
        return node


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox with budgets (see `RENDER_SECONDS` and the limits beside it), compiling each
    piece of template source once per process. Each render still gets a new Template object;
    only the immutable code object is shared."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _range
        self.globals["lipsum"] = _lipsum
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}
        self.filters.update(_GUARDS)

    def _generate(
        self,
        source: nodes.Template,
        name: str | None,
        filename: str | None,
        defer_init: bool = False,
    ) -> str:
        return str(super()._generate(_Instrument().visit(source), name, filename, defer_init))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return _sized(super().call_binop(context, operator, left, right))

    def call(
        __self,  # the sandbox's own signature: no name a template's keyword could clash with
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        _step()
        _check_call(__obj, args, kwargs)
        return _sized(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format(value.__self__)
        return wrapped

    def from_string(
        self,
        source: str | nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[Template] | None = None,
    ) -> Template:
        if not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        cls = template_class or self.template_class
        return cls.from_code(self, _compiled(self, source), self.make_globals(globals), None)


@lru_cache(maxsize=CACHED_PIECES)
def _compiled(env: _Sandbox, source: str) -> CodeType:
    return env.compile(source)


# Immutable, so one serves every render; strict so a misspelt field fails the trial render.
_SANDBOX = _Sandbox(autoescape=True, undefined=StrictUndefined)


def _open(template_bytes: bytes) -> Any:
    """A new DocxTemplate per call: docxtpl objects keep state and must not be shared."""
    template = _Template(io.BytesIO(template_bytes))
    try:
        template.init_docx()
    except Exception as exc:  # python-docx raises many kinds on foreign bytes
        raise UnreadableTemplate("not a valid DOCX file") from exc
    return template


# A render touches only the parts that hold template code. What renders of one template share
# is found once per process, with python-docx and docxtpl themselves, and kept by the template's
# SHA-256: each of the shipped templates takes about 100 KB (its compressed members, the main
# document's XML, the Jinja sources).
PREPARED_TEMPLATES = 16
# What docxtpl's passes change in a part even without a tag: Jinja's delimiters, docxtpl's own
# escapes ("{_{" …) and the characters `resolve_listing` turns into tabs and breaks.
_TOUCHED = ("{{", "{%", "{#", "{_", "_}", "%_", *_LISTING)


@dataclass(frozen=True)
class _Piece:
    """A part besides the body that holds template code: its ZIP member and Jinja source."""

    name: str
    source: str


@dataclass(frozen=True)
class _Prepared:
    """What renders of one template share, all immutable: its members as compressed, the main
    document's XML with its body's Jinja source, the other parts that hold template code and
    the core properties. Each render parses its own copies, so no render sees another's."""

    members: tuple[Member, ...]
    document: str
    document_xml: bytes
    body: str
    pieces: tuple[_Piece, ...]
    core: str
    core_xml: bytes

    def render(self, context: Mapping[str, Any], moment: datetime) -> dict[str, bytes]:
        """The rendered parts by member name, as docxtpl's `render` and `save_stable` make
        them: the same passes over the same XML, in the same sandbox."""
        passes = _passes()
        tree = passes.fix_tables(passes.render_xml_part(self.body, None, context, _SANDBOX))
        passes.fix_docpr_ids(tree)
        root = parse_xml(self.document_xml)
        root.replace(root.find(qn("w:body")), tree)  # docxtpl's map_tree
        parts = {self.document: serialize_part_xml(root)}
        for piece in self.pieces:  # as python-docx loads and saves what docxtpl rendered
            xml = passes.render_xml_part(piece.source, None, context, _SANDBOX)
            parts[piece.name] = serialize_part_xml(parse_xml(xml.encode("utf-8")))
        core = parse_xml(self.core_xml)
        properties = CoreProperties(core)
        for name in _TEMPLATED_PROPERTIES:  # docxtpl's render_properties
            setattr(
                properties, name, _SANDBOX.from_string(getattr(properties, name)).render(context)
            )
        _stamp(properties, moment)
        parts[self.core] = serialize_part_xml(core)
        return parts


def _passes() -> Any:
    """docxtpl's XML passes with no document behind them: `render_xml_part`, `fix_tables` and
    `fix_docpr_ids` read nothing of it but the counters `render_init` sets."""
    passes = _Template(io.BytesIO())
    passes.current_rendering_part = None
    passes.docx_ids_index = 1000
    return passes


_PREPARED: OrderedDict[bytes, _Prepared | None] = OrderedDict()
_PREPARED_LOCK = threading.Lock()


def _prepared(template_bytes: bytes) -> _Prepared | None:
    """The template's shared pieces, from the cache when its SHA-256 was seen before."""
    key = hashlib.sha256(template_bytes).digest()
    with _PREPARED_LOCK:
        if key in _PREPARED:
            _PREPARED.move_to_end(key)
            return _PREPARED[key]
    prepared = _prepare(template_bytes)
    with _PREPARED_LOCK:
        _PREPARED[key] = prepared
        while len(_PREPARED) > PREPARED_TEMPLATES:
            _PREPARED.popitem(last=False)
    return prepared


def forget_prepared() -> None:
    """Drop every template's shared pieces: the tests start each from a process's first render."""
    with _PREPARED_LOCK:
        _PREPARED.clear()


def _prepare(template_bytes: bytes) -> _Prepared | None:
    """The parts docxtpl would render, found by python-docx; None for a package the whole
    path must render (no core properties to keep, members named twice, parts docxtpl cannot
    read), so that path makes the output or names the error as before."""
    template = _open(template_bytes)
    try:
        members = tuple(stored_members(template_bytes))
        package = template.docx.part.package
        core = package.part_related_by(RELATIONSHIP_TYPE.CORE_PROPERTIES)
        pieces: dict[str, _Piece] = {}
        for _, name, xml in _other_parts(template):
            source = _patched(xml)
            if source != xml or any(mark in xml for mark in _TOUCHED):
                pieces.setdefault(name, _Piece(name, source))
        prepared = _Prepared(
            members=members,
            document=template.docx.part.partname.membername,
            document_xml=template.docx.part.blob,
            body=_patched(template.get_xml()),
            pieces=tuple(pieces.values()),
            core=core.partname.membername,
            core_xml=core.blob,
        )
    except RenderLimit:
        raise  # the worker's time limit
    except Exception:
        return None
    names = [m.name for m in members]
    wanted = {prepared.document, prepared.core, *pieces}
    return prepared if len(set(names)) == len(names) and wanted <= set(names) else None


def _clean(value: Any) -> Any:
    """NFC text without XML-illegal characters, recursively; CR line ends become LF."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {_clean(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def _sources(template: Any) -> list[tuple[str, str]]:
    """Each piece docxtpl renders, patched and split into lines exactly as it renders it."""
    parts = [("document body", template.get_xml())]
    parts += [(label, xml) for label, _, xml in _other_parts(template)]
    sources = [
        (label, re.sub(r"<w:p([ >])", r"\n<w:p\1", template.patch_xml(xml))) for label, xml in parts
    ]
    properties = template.docx.core_properties
    sources += [
        (f"document property {name}", getattr(properties, name) or "")
        for name in _TEMPLATED_PROPERTIES
    ]
    return sources


def _other_parts(template: Any) -> list[tuple[str, str, str]]:
    """Label, ZIP member and XML of each part besides the body that docxtpl renders."""
    parts: list[tuple[str, str, str]] = []
    for uri, label in ((template.HEADER_URI, "header"), (template.FOOTER_URI, "footer")):
        parts += [
            (label, p.partname.membername, template.get_part_xml(p))
            for _, p in template.get_headers_footers(uri)
        ]
    package = template.docx.part.package
    parts += [
        ("footnotes", p.partname.membername, p.blob.decode("utf-8"))
        for p in package.parts
        if p.content_type == _FOOTNOTES_TYPE
    ]
    return parts


def _syntax_message(exc: TemplateSyntaxError, label: str, source: str) -> str:
    """Name the line and the visible text around it: XML line numbers alone mean nothing."""
    lines = source.splitlines()
    lineno = exc.lineno or 0
    near = re.sub(r"<[^>]+>", "", lines[lineno - 1]).strip() if 0 < lineno <= len(lines) else ""
    message = f"template syntax error: {exc.message} in {label} line {lineno}"
    return f"{message} (near {near[:80]!r})" if near else message


def _document_time(issue_date_iso: Any) -> datetime:
    """Midnight of the issue date, or a constant for drafts: never the clock."""
    if not issue_date_iso:
        return _UNDATED
    try:
        return datetime.combine(date.fromisoformat(str(issue_date_iso)), datetime.min.time())
    except ValueError as exc:
        raise TemplateError(f"issue_date_iso is not an ISO date: {issue_date_iso!r}") from exc


def _stable_zip(data: bytes) -> bytes:
    """Rewrite the package with constant timestamps and attributes, members in the same order."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        return write_package((m.filename, source.read(m)) for m in source.infolist())
