"""`make documents`: what a reader receives, as pictures. Runs the demo campaign (`vanthu demo`)
and writes page 1 and the last page of one document of each kind as PNG into docs/documents/,
and its signature block as signed (the signer's image, the seal over its left third), with an
index, so that the README shows the documents as they print and a change that spoils one shows
in review."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from workflows.documents import FILING_ORDER, KINDS

OUT = Path("docs/documents")
# Small enough to keep in the repository (< 150 KB a page), large enough to read the layout.
RESOLUTION = 60
# The signature block close up: the images and the stamp text must be legible.
BLOCK_RESOLUTION = 150
BLOCK_MARGIN = 36  # points around the signature fields: the printed lines above and below


class ScreenshotsFailed(RuntimeError):
    """The demo or a conversion did not give a picture; the message says which and why."""


@dataclass(frozen=True)
class Sample:
    """One demo document of a kind, as `vanthu demo` listed it."""

    kind: str
    reference: str
    title: str
    pdf: Path

    @property
    def pages(self) -> int:
        return len(PdfReader(self.pdf).pages)

    def pictures(self) -> tuple[str, str]:
        """The stable names of its first and last page: "QD-1.png", "QD-last.png"."""
        return f"{self.kind}-1.png", f"{self.kind}-last.png"

    @property
    def block_picture(self) -> str:
        return f"{self.kind}-signatures.png"


@dataclass(frozen=True)
class Region:
    """A rectangle of one page in points, PDF coordinates (origin bottom left)."""

    page: int  # 1-based
    x1: float
    y1: float
    x2: float
    y2: float
    page_height: float


def signature_region(pdf: Path, margin: float = BLOCK_MARGIN) -> Region | None:
    """Where the visible signatures are: the union of the signature widgets of the page that
    holds them, with a margin; None for an unsigned PDF."""
    reader = PdfReader(pdf)
    for number, page in enumerate(reader.pages, start=1):
        boxes = [
            [float(v) for v in annotation["/Rect"]]
            for ref in page.get("/Annots") or []
            for annotation in (ref.get_object(),)
            if annotation.get("/FT") == "/Sig" and "/Rect" in annotation
        ]
        boxes = [b for b in boxes if b[2] > b[0] and b[3] > b[1]]
        if boxes:
            return Region(
                number,
                min(b[0] for b in boxes) - margin,
                min(b[1] for b in boxes) - margin,
                max(b[2] for b in boxes) + margin,
                max(b[3] for b in boxes) + margin,
                float(page.mediabox.height),
            )
    return None


def run_demo(folder: Path) -> str:
    """`vanthu demo --out folder` from this environment; its listing of the files written."""
    vanthu = Path(sys.executable).with_name("vanthu")
    command = [str(vanthu) if vanthu.exists() else "vanthu", "demo", "--out", str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ScreenshotsFailed(f"vanthu demo thất bại: {done.stderr.strip() or done.stdout}")
    return done.stdout


def samples(listing: str, folder: Path) -> list[Sample]:
    """The first document of each kind in filing order, from the listing's lines "reference
    kind title docx pdf sha256" (tab-separated); a kind without a PDF is an error."""
    found: dict[str, Sample] = {}
    for line in listing.splitlines():
        fields = line.split("\t")
        if len(fields) != 6 or fields[1] not in KINDS or fields[1] in found:
            continue
        reference, kind, title, _docx, pdf, _sha = fields
        if pdf == "-":
            raise ScreenshotsFailed(f"{reference} không có bản PDF (LibreOffice chưa cài?)")
        found[kind] = Sample(kind, reference, title, folder / pdf)
    missing = [kind for kind in FILING_ORDER if kind not in found]
    if missing:
        raise ScreenshotsFailed(f"bản demo thiếu văn bản loại {', '.join(missing)}")
    return [found[kind] for kind in FILING_ORDER]


def page_png(
    pdf: Path, page: int, target: Path, resolution: int = RESOLUTION, region: Region | None = None
) -> None:
    """Page `page` of `pdf` (or only `region` of it) as the PNG `target`, through pdftoppm."""
    if shutil.which("pdftoppm") is None:
        raise ScreenshotsFailed("chưa cài pdftoppm (gói poppler-utils)")
    stem = target.with_suffix("")
    command = ["pdftoppm", "-png", "-r", str(resolution), "-f", str(page), "-l", str(page)]
    if region is not None:
        scale = resolution / 72
        left, top = region.x1 * scale, (region.page_height - region.y2) * scale
        width, height = (region.x2 - region.x1) * scale, (region.y2 - region.y1) * scale
        command += ["-x", str(round(left)), "-y", str(round(top))]
        command += ["-W", str(round(width)), "-H", str(round(height))]
    done = subprocess.run([*command, "-singlefile", str(pdf), str(stem)], check=False)
    if done.returncode != 0 or not target.exists():
        raise ScreenshotsFailed(f"không chuyển được trang {page} của {pdf.name} thành ảnh")


def index(items: list[Sample]) -> str:
    """docs/documents/README.md: each kind, its number and title, its two pages."""
    lines = [
        "# Văn bản của đợt kiểm tra mẫu",
        "",
        "Page 1 and the last page of one document of each kind of the demo campaign (Lạng Sơn",
        "2023), as the PDFs print. Regenerated by `make documents` (`python -m",
        "service.documents.screenshots`); do not edit by hand.",
        "",
    ]
    for item in items:
        first, last = item.pictures()
        lines += [
            f"## {KINDS[item.kind].label}: {item.reference}",
            "",
            f"{item.title} ({item.pages} trang)",
            "",
            "| Trang 1 | Trang cuối |",
            "|---|---|",
            f"| ![{item.reference} trang 1]({first}) | ![{item.reference} trang cuối]({last}) |",
            "",
        ]
        if signature_region(item.pdf) is not None:
            lines += [
                "Chữ ký số (ảnh chữ ký của người ký, dấu của cơ quan trùm 1/3 bên trái):",
                "",
                f"![{item.reference} chữ ký số]({item.block_picture})",
                "",
            ]
    return "\n".join(lines)


def write(items: list[Sample], out: Path, resolution: int = RESOLUTION) -> list[Path]:
    """The pictures of `items` and their index into `out`; the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for item in items:
        first, last = item.pictures()
        for page, name in ((1, first), (item.pages, last)):
            page_png(item.pdf, page, out / name, resolution)
            written.append(out / name)
        region = signature_region(item.pdf)
        if region is not None:
            target = out / item.block_picture
            page_png(item.pdf, region.page, target, BLOCK_RESOLUTION, region)
            written.append(target)
    (out / "README.md").write_text(index(items), encoding="utf-8")
    return [*written, out / "README.md"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go")
    parser.add_argument("--resolution", type=int, default=RESOLUTION, help="dots per inch")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vanthu-documents-") as folder:
        try:
            items = samples(run_demo(Path(folder)), Path(folder))
            written = write(items, args.out, args.resolution)
        except ScreenshotsFailed as error:
            print(f"Lỗi: {error}", file=sys.stderr)
            return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
