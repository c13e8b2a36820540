"""A template's styles part cut down to the styles its parts use, so each render parses less.

The shipped templates began as python-docx's default document: 173 style definitions (350 KB)
and a stale Word 2010 copy of them (`stylesWithEffects.xml`, 430 KB, without the house styles),
of which a document uses a dozen. Kept are the document defaults, the latent styles (Word's list
of the built-in styles it may instantiate and how it shows them), each type's default style,
every style a part refers to, the house styles (custom styles, bar the character halves Word
links to built-in styles) and whatever these are based on, followed by or linked to. A built-in
style removed here is one Word or LibreOffice instantiates when a clerk first applies it.

`python -m workflows.docx_styles FILE...` trims the files in place.
"""

from __future__ import annotations

import posixpath
import sys
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from workflows.docx_package import deflated, inflated, stored_members, write_members

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_STYLES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"
_EFFECTS_TYPE = "application/vnd.ms-word.stylesWithEffects+xml"
_CONTENT_TYPES = "[Content_Types].xml"
# Elements whose w:val names a style: in any part, and within a style for the styles it needs.
_REFERENCES = frozenset(
    f"{_W}{name}"
    for name in (
        "pStyle",
        "rStyle",
        "tblStyle",
        "numStyleLink",
        "styleLink",
        "clickAndTypeStyle",
        "defaultTableStyle",
    )
)
_CHAIN = frozenset(f"{_W}{name}" for name in ("basedOn", "next", "link"))
_TRUE = ("1", "true", "on")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def trim_styles(data: bytes) -> bytes:
    """`data` without the style definitions nothing uses and without `stylesWithEffects.xml`;
    every other member keeps its compressed bytes. A trimmed package comes back unchanged."""
    members = stored_members(data)
    blobs = {m.name: inflated(m) for m in members if m.name.endswith((".xml", ".rels"))}
    types = _content_types(blobs[_CONTENT_TYPES])
    styles = {name for name, kind in types.items() if kind == _STYLES_TYPE and name in blobs}
    dropped = {name for name, kind in types.items() if kind == _EFFECTS_TYPE}
    used: set[str] = set()
    for name, blob in blobs.items():
        if name not in styles and name not in dropped and not name.endswith(".rels"):
            used |= _referenced(_parse(blob).iter(*_REFERENCES))
    changed = {name: _trimmed(blobs[name], used) for name in styles}
    if dropped:
        changed[_CONTENT_TYPES] = _without_overrides(blobs[_CONTENT_TYPES], dropped)
        for name, blob in blobs.items():
            if name.endswith(".rels"):
                changed[name] = _without_relationships(name, blob, dropped)
    changed = {name: blob for name, blob in changed.items() if blob != blobs[name]}
    if not changed and not any(m.name in dropped for m in members):
        return data
    return write_members(
        deflated(m.name, changed[m.name]) if m.name in changed else m
        for m in members
        if m.name not in dropped
    )


def unzipped_size(data: bytes) -> int:
    """The package's members' size as unpacked: what a reader inflates and parses."""
    return sum(member.size for member in stored_members(data))


def _parse(blob: bytes) -> etree._Element:
    return etree.fromstring(blob, _PARSER)


def _serialized(root: etree._Element) -> bytes:
    """As python-docx writes a part, so a trimmed part differs only by what was removed."""
    return bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=True, standalone=True))


def _referenced(elements: Iterable[etree._Element]) -> set[str]:
    return {value for e in elements if (value := e.get(f"{_W}val"))}


def _content_types(blob: bytes) -> dict[str, str]:
    """Each overridden part's member name and content type."""
    return {
        e.get("PartName", "").lstrip("/"): e.get("ContentType", "")
        for e in _parse(blob).iter(f"{_CT}Override")
    }


def _trimmed(blob: bytes, used: set[str]) -> bytes:
    """The styles part with only the styles in use and those they depend on."""
    root = _parse(blob)
    defined = {s.get(f"{_W}styleId", ""): s for s in root.iter(f"{_W}style")}
    custom = {sid for sid, s in defined.items() if s.get(f"{_W}customStyle") in _TRUE}
    wanted = [
        sid
        for sid, style in defined.items()
        if sid in used or style.get(f"{_W}default") in _TRUE or _house_style(style, custom)
    ]
    kept: set[str] = set()
    while wanted:
        sid = wanted.pop()
        if sid in kept or sid not in defined:
            continue
        kept.add(sid)
        wanted += _referenced(defined[sid].iter(*_REFERENCES, *_CHAIN))
    for sid, style in defined.items():
        if sid not in kept:
            root.remove(style)
    return _serialized(root) if len(kept) < len(defined) else blob


def _house_style(style: etree._Element, custom: set[str]) -> bool:
    """A custom style the template's author made, not the character style Word links to a
    built-in one ("Heading 1 Char"): a clerk applies these by name."""
    if style.get(f"{_W}styleId", "") not in custom:
        return False
    link = style.find(f"{_W}link")
    return link is None or link.get(f"{_W}val") in custom


def _without_overrides(blob: bytes, dropped: set[str]) -> bytes:
    root = _parse(blob)
    for override in list(root.iter(f"{_CT}Override")):
        if override.get("PartName", "").lstrip("/") in dropped:
            root.remove(override)
    return _serialized(root)


def _without_relationships(name: str, blob: bytes, dropped: set[str]) -> bytes:
    """The relationships part without those targeting a dropped part; the source part of
    `word/_rels/document.xml.rels` is `word/document.xml`, its targets relative to `word/`."""
    base = posixpath.dirname(posixpath.dirname(name))
    root = _parse(blob)
    for relation in list(root.iter(f"{_RELS}Relationship")):
        target = relation.get("Target", "")
        if relation.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
        if posixpath.normpath(path) in dropped:
            root.remove(relation)
    return _serialized(root)


def main(paths: list[str]) -> None:
    """Trim each file in place and say what it weighed, packed and unpacked, before and after."""
    for path in map(Path, paths):
        before = path.read_bytes()
        after = trim_styles(before)
        if after != before:
            path.write_bytes(after)
        print(
            f"{path}: {len(before):,} -> {len(after):,} bytes "
            f"(unzipped {unzipped_size(before):,} -> {unzipped_size(after):,})"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
