"""templates/KH.docx converted tag for tag to each peer's syntax: docxtemplater's
(`KH.docxtemplater.docx`) and Carbone's (`KH.carbone.docx`).

`python -m bench.peers.convert` writes both again after the template changes. Paragraph tags
(`{%p …%}`) become docxtemplater's paragraph loops, and Carbone's `[i]`/`[i+1]` repetitions
(a Carbone 3 condition would leave its tags' empty paragraphs behind, so a paragraph condition is
a loop over a list of none or one, as docxtemplater's are). What Jinja computes in a tag (an
item's first paragraph, the conditions' lists; `|upper` in docxtemplater) the driver computes
into the data (render.js, `adapt`). Carbone loops over objects, so the driver boxes each text of
a list as `{v: text}`."""

from __future__ import annotations

import re
from pathlib import Path

from service.documents.store import committed_template
from workflows.docx_package import deflated, inflated, stored_members, write_members

HERE = Path(__file__).resolve().parent
SIMPLE = {
    "{{ item.paragraphs[0] if item.paragraphs else '' }}": "{first_paragraph}",
    "{{ signer.authority|upper }}": "{signer_authority_upper}",
    "{{ signer.position|upper }}": "{signer_position_upper}",
    "{{ signer.name }}": "{signer_name}",
}
_LISTS = {"paragraphs[1:]": "more_paragraphs"}  # Jinja slices, as the driver computes them
_TAG = re.compile(r"\{([{%])p? *(.*?) *[}%]\}")
_PARAGRAPH = re.compile(r"<w:p[ >](?:(?!<w:p[ >]).)*?</w:p>", re.DOTALL)


def docxtemplater(xml: str) -> str:
    """Each Jinja tag as docxtemplater's: `{#list}…{/list}` for loops and conditions."""
    opened: list[str] = []

    def tag(match: re.Match[str]) -> str:
        whole, kind, code = match.group(0), match.group(1), match.group(2)
        if whole in SIMPLE:
            return SIMPLE[whole]
        if kind == "{":
            name = code.split(".")[-1]
            return "{.}" if name in ("line", "basis", "item", "text") else f"{{{name}}}"
        word, _, rest = code.partition(" ")
        if word == "for":
            names = {"item.paragraphs[1:]": "more_paragraphs", "item.paragraphs": "paragraphs"}
            source = rest.split(" in ", 1)[1]
            opened.append(names.get(source, source.split(".")[-1]))
            return f"{{#{opened[-1]}}}"
        if word == "if":
            opened.append(rest.replace("signer.", "signer_").split(".")[-1])
            return f"{{#{opened[-1]}}}"
        if word == "else":
            return f"{{/{opened[-1]}}}\x00{{^{opened[-1]}}}"
        return f"{{/{opened.pop()}}}"

    return _PARAGRAPH.sub(_split_else, _TAG.sub(tag, xml))


def _split_else(paragraph: re.Match[str]) -> str:
    """An else closes one paragraph loop and opens the other: two paragraphs, a tag each."""
    text = paragraph.group(0)
    found = re.search(r"(\{/[^}]*\})\x00(\{\^[^}]*\})", text)
    if found is None:
        return text
    return text.replace(found.group(0), found.group(1)) + text.replace(
        found.group(0), found.group(2)
    )


class _Carbone:
    """The state of one pass over the document: the paths Jinja's names stand for in each open
    loop, the loops whose `[i]` the next body paragraph carries, the inline conditions."""

    def __init__(self) -> None:
        self.frames: list[tuple[str, dict[str, str]]] = [("d", {})]  # root of free names, loop vars
        self.loops: list[str] = []  # each open loop's list, innermost last
        self.unmarked: list[str] = []
        self.inline: list[str] = []
        self.conditions: list[str] = []  # each open paragraph condition's code

    def path(self, expression: str) -> str:
        """The Carbone path of a Jinja name or attribute in the current loop; a loop's text
        item is boxed (`.v`)."""
        root, names = self.frames[-1]
        head, dot, rest = expression.partition(".")
        if head in names:
            return names[head] + (dot + rest if dot else ".v")
        return f"{root}.{expression}"

    def open(self, array: str, names: dict[str, str], root: str | None = None) -> None:
        """A loop over `array` binding `names`; its `[i]` goes into its first body paragraph."""
        self.frames.append((root or self.frames[-1][0], {**self.frames[-1][1], **names}))
        self.loops.append(array)
        self.unmarked.append(array)

    def close(self, paragraph: str, tag: str) -> str:
        """The tag's paragraph as the `[i+1]` marker of the loop it closes (Carbone removes it)."""
        self.frames.pop()
        return paragraph.replace(tag, f"{{{self.loops.pop()}[i+1].m}}")

    def condition(self, code: str, negated: bool = False) -> None:
        """`if a.b`: a loop over `if_b` (or `else_b`) of the object `a` stands for, which holds
        that object or nothing; `if name` at the top: over `if_name` of the data."""
        word = "else_" if negated else "if_"
        head, dot, rest = code.partition(".")
        _, names = self.frames[-1]
        if dot and head in names:
            array = f"{names[head]}.{word}{rest}"
            self.open(array, {head: f"{array}[i]"})
        else:
            array = f"{self.frames[-1][0]}.{word}{code.replace('.', '_')}"
            self.open(array, {}, root=f"{array}[i]")

    def paragraph(self, match: re.Match[str]) -> str:
        """A paragraph tag opens (its paragraph goes) or closes a loop; others are text."""
        text = match.group(0)
        found = re.search(r"\{%p *(.*?) *%\}", text)
        if found is None:
            return self.body(text)
        word, _, rest = found.group(1).partition(" ")
        if word == "for":
            name, _, source = rest.partition(" in ")
            root, names = self.frames[-1]
            head, dot, attribute = source.partition(".")
            if dot and head in names:  # a list of the loop's item
                array = f"{names[head]}.{_LISTS.get(attribute, attribute)}"
            else:
                array = f"{root}.{source}"
            self.open(array, {name: f"{array}[i]"})
            return ""
        if word == "if":
            self.conditions.append(rest)
            self.condition(rest)
            return ""
        if word == "else":
            closed = self.close(text, found.group(0))
            self.condition(self.conditions[-1], negated=True)
            return closed
        if word == "endif":
            self.conditions.pop()
        return self.close(text, found.group(0))

    def body(self, text: str) -> str:
        """A paragraph of text: its tags as Carbone's, and the `[i]` of each loop it starts
        (`.m`, an attribute no item has: it renders as nothing)."""
        text = _TAG.sub(self.tag, text)
        if self.unmarked:
            marks = "".join(f"{{{array}[i].m}}" for array in self.unmarked)
            self.unmarked = []
            text = re.sub(r"(<w:t(?: [^>]*)?>)", lambda m: m.group(1) + marks, text, count=1)
        return text

    def tag(self, match: re.Match[str]) -> str:
        kind, code = match.group(1), match.group(2)
        if kind == "{":
            if code == "item.paragraphs[0] if item.paragraphs else ''":
                return f"{{{self.path('item.first_paragraph')}}}"
            name, _, formatter = code.partition("|")
            return f"{{{self.path(name)}{':upperCase' if formatter == 'upper' else ''}}}"
        if code.startswith("if "):  # inline: Carbone's conditional block within the paragraph
            self.inline.append(self.path(code[3:]))
            return f"{{{self.inline[-1]}:ifNEM:showBegin}}"
        return f"{{{self.inline.pop()}:showEnd}}"


def carbone(xml: str) -> str:
    """Each Jinja tag as Carbone's (see the module's docstring)."""
    return _PARAGRAPH.sub(_Carbone().paragraph, xml)


def main() -> None:
    """Rewrite the main document only; every other member is copied as it is compressed."""
    for engine, convert in (("docxtemplater", docxtemplater), ("carbone", carbone)):
        out = []
        for member in stored_members(committed_template("KH")):
            if member.name == "word/document.xml":
                xml = inflated(member).decode("utf-8")
                member = deflated(member.name, convert(xml).encode("utf-8"))
            out.append(member)
        (HERE / f"KH.{engine}.docx").write_bytes(write_members(out))


if __name__ == "__main__":
    main()
