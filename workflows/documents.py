"""Document kinds: what each is called, its type code, and which register series numbers it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentKind:
    key: str
    type_code: str
    type_name: str
    label: str
    per: str  # "campaign", "target" or "visit": what one document of the kind is about
    issued_by_team: bool = False
    # Issuing one may complete an automatic lifecycle step (the last minutes complete the stage);
    # issuing any other kind never changes what those steps wait for.
    advances: bool = False


KINDS: dict[str, DocumentKind] = {
    k.key: k
    for k in (
        DocumentKind("KH", "KH", "KẾ HOẠCH", "Kế hoạch kiểm tra", "campaign"),
        DocumentKind("QD", "QĐ", "QUYẾT ĐỊNH", "Quyết định thành lập Đoàn kiểm tra", "campaign"),
        DocumentKind("TB", "TB", "THÔNG BÁO", "Thông báo lịch kiểm tra", "target"),
        DocumentKind(
            "BB", "BB", "BIÊN BẢN", "Biên bản kiểm tra", "visit", issued_by_team=True, advances=True
        ),
        DocumentKind("BC", "BC", "BÁO CÁO", "Báo cáo kết quả kiểm tra", "campaign"),
    )
}

# The order in which a matter unfolds: the case file lists documents in this order.
FILING_ORDER: tuple[str, ...] = ("KH", "QD", "TB", "BB", "BC")

SERIES_PLANS = ("shared", "per_kind")


def series_for(kind: DocumentKind, series_plan: str) -> str:
    """The register series that numbers `kind`: one shared series, or one per kind."""
    if kind.issued_by_team:
        return "team"
    return kind.key if series_plan == "per_kind" else "shared"
