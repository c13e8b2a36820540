"""templates/KH.docx converted tag for tag to docxtemplater's syntax (`KH.docxtemplater.docx`).

`python -m bench.peers.convert` writes it again after the template changes. Paragraph tags
(`{%p …%}`) become docxtemplater's paragraph loops; what Jinja computes in a tag (an item's first
paragraph, `|upper`) the driver computes into the data (render.js, `adapt`)."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from service.documents.store import committed_template
from workflows.docx_package import deflated, stored_members, write_members

HERE = Path(__file__).resolve().parent
SIMPLE = {
    "{{ item.paragraphs[0] if item.paragraphs else '' }}": "{first_paragraph}",
    "{{ signer.authority|upper }}": "{signer_authority_upper}",
    "{{ signer.position|upper }}": "{signer_position_upper}",
    "{{ signer.name }}": "{signer_name}",
}
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


def main() -> None:
    """Rewrite the main document only; every other member is copied as it is compressed."""
    out = []
    for member in stored_members(committed_template("KH")):
        if member.name == "word/document.xml":
            xml = zlib.decompress(member.data, -15).decode("utf-8")
            member = deflated(member.name, docxtemplater(xml).encode("utf-8"))
        out.append(member)
    (HERE / "KH.docxtemplater.docx").write_bytes(write_members(out))


if __name__ == "__main__":
    main()
