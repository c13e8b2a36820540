"""What the service hands each document template: the names per kind, and one real-looking sample.

A template may use only the names its kind provides (`check_template` enforces it), and each
sample is what a trial render feeds it: Lạng Sơn's 2023 campaign, the plan word for word from
the seed document, typos included, so the KH template is checked against the real text.
"""

from __future__ import annotations

import copy
from typing import Any

from service.documents.context import contact_sentence, punctuate, recipient_lines
from service.seed import lang_son_2023 as seed

_COMMON: frozenset[str] = frozenset(
    {
        "governing_body",
        "issuer_header",
        "number_line",
        "date_line",
        "is_draft",
        "doc_type",
        "subject_lines",
        "signer",
        "recipients",
        "issue_date_iso",
    }
)

PROVIDED: dict[str, frozenset[str]] = {
    "KH": _COMMON
    | {
        "legal_bases",
        "introduction",
        "purposes",
        "requirements",
        "contents",
        "targets_description",
        "method",
        "composition",
        "time_window",
        "time_note",
        "closing_paragraphs",
    },
    "QD": _COMMON
    | {
        "decision_authority",
        "legal_bases",
        "proposal",
        "team_name",
        "members",
        "team_duties",
        "time_window",
        "responsible_parties",
    },
    "TB": _COMMON
    | {"addressees", "plan_reference", "introduction", "schedule", "preparation", "contact"},
    "BB": _COMMON
    | {
        "opening",
        "team_attendees",
        "unit_attendees",
        "findings",
        "statistics",
        "unit_comments",
        "closing",
        "signatures",
    },
    "BC": _COMMON
    | {
        "introduction",
        "statistics",
        "district_rows",
        "statistics_short_labels",
        "results",
        "shortcomings",
        "causes",
        "recommendations",
    },
}

_DEPARTMENT = "Sở Lao động - Thương binh và Xã hội"
_PROGRAMME = "công tác quản lý nhà nước về Chương trình phòng, chống mại dâm năm 2023"
_PLAN_REF = "Kế hoạch số 68/KH-SLĐTBXH ngày 05/4/2023"
_DECISION_REF = "Quyết định số 215/QĐ-SLĐTBXH ngày 21/8/2023"
_DEPUTY = {"authority": "KT. GIÁM ĐỐC", "position": "PHÓ GIÁM ĐỐC", "name": "Nguyễn Văn Giang"}


def _header(code: str, number: str, day: str, month: str, iso: str) -> dict[str, Any]:
    """The common names of an issued department document numbered `number`/`code`."""
    return {
        "governing_body": "UBND TỈNH LẠNG SƠN",
        "issuer_header": "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
        "number_line": f"Số: {number}/{code}",
        "date_line": f"Lạng Sơn, ngày {day} tháng {month} năm 2023",
        "is_draft": False,
        "issue_date_iso": iso,
    }


# Section II.3 statistics: (label, short label), in the order of workflows/statistics.py.
_INDICATORS: tuple[tuple[str, str], ...] = (
    ("Số cơ sở kinh doanh dịch vụ có điều kiện trên địa bàn", "Cơ sở KDDV"),
    ("Số lao động làm việc tại các cơ sở KDDV", "Lao động"),
    ("Trong đó: số lao động nam", "Nam"),
    ("Trong đó: số lao động nữ", "Nữ"),
    ("Số lao động là người ngoài tỉnh nhập cư", "Ngoài tỉnh"),
    ("Số lao động đã được ký HĐLĐ", "Có HĐLĐ"),
    ("Số lao động chưa được ký HĐLĐ", "Chưa HĐLĐ"),
    ("Số tụ điểm hoạt động mại dâm (hoặc cơ sở KDDV nghi hoạt động)", "Tụ điểm"),
    ("Số người bán dâm (hoặc nghi bán dâm)", "Người bán dâm"),
    ("Số người bán dâm là người địa phương nay đã hoàn lương", "Hoàn lương"),
    ("Số đối tượng chủ chứa, môi giới (hoặc số vụ đã triệt phá)", "Chủ chứa"),
    ("Số cơ sở được kiểm tra", "Được KT"),
    ("Số cơ sở vi phạm", "Vi phạm"),
)

# Figures per district, one per indicator above (nam + nữ and có + chưa HĐLĐ = lao động).
_FIGURES: dict[str, tuple[int, ...]] = {
    "Thành phố Lạng Sơn": (312, 1046, 318, 728, 187, 702, 344, 0, 4, 2, 0, 48, 6),
    "Huyện Tràng Định": (49, 117, 38, 79, 15, 61, 56, 0, 0, 0, 0, 8, 0),
    "Huyện Bình Gia": (31, 74, 25, 49, 9, 36, 38, 0, 0, 0, 0, 6, 0),
    "Huyện Văn Lãng": (57, 138, 41, 97, 22, 76, 62, 0, 0, 0, 0, 9, 1),
    "Huyện Cao Lộc": (148, 412, 129, 283, 64, 251, 161, 0, 2, 1, 0, 21, 3),
    "Huyện Văn Quan": (38, 91, 30, 61, 11, 47, 44, 0, 1, 1, 0, 7, 1),
    "Huyện Bắc Sơn": (44, 106, 35, 71, 13, 52, 54, 0, 0, 0, 0, 8, 1),
    "Huyện Hữu Lũng": (96, 265, 84, 181, 38, 149, 116, 0, 2, 0, 0, 14, 2),
    "Huyện Chi Lăng": (62, 158, 50, 108, 19, 83, 75, 0, 1, 0, 0, 10, 1),
    "Huyện Lộc Bình": (71, 182, 58, 124, 24, 95, 87, 0, 1, 1, 0, 11, 2),
    "Huyện Đình Lập": (27, 63, 21, 42, 7, 30, 33, 0, 0, 0, 0, 5, 0),
}


def _count(value: int) -> str:
    """Vietnamese digit grouping: 1.046."""
    return f"{value:,}".replace(",", ".")


_PLAN_TEXT = (
    "introduction",
    "purposes",
    "requirements",
    "contents",
    "targets_description",
    "method",
    "composition",
    "time_window",
    "time_note",
)

# The plan's text is the seed's, word for word: the demo campaign's data.
_KH: dict[str, Any] = {
    **_header("KH-SLĐTBXH", "68", "05", "4", "2023-04-05"),
    "doc_type": "KẾ HOẠCH",
    "subject_lines": list(seed.PLAN["subject_lines"]),
    "signer": dict(_DEPUTY),
    "recipients": recipient_lines(seed.PLAN["recipients"], "PCTNXH"),
    "legal_bases": punctuate(seed.PLAN["legal_bases"]),
    **{name: copy.deepcopy(seed.PLAN[name]) for name in _PLAN_TEXT},
    "closing_paragraphs": [
        *seed.PLAN["closing_paragraphs"],
        contact_sentence(seed.PLAN["contact_phone"]),
    ],
}

_QD: dict[str, Any] = {
    **_header("QĐ-SLĐTBXH", "215", "21", "8", "2023-08-21"),
    "doc_type": "QUYẾT ĐỊNH",
    "subject_lines": [
        "Về việc thành lập Đoàn kiểm tra công tác quản lý nhà nước",
        "về Chương trình phòng, chống mại dâm năm 2023",
    ],
    "signer": {"authority": "", "position": "GIÁM ĐỐC", "name": "Hoàng Văn Thắng"},
    "recipients": [
        "- Như Điều 3;",
        "- Lãnh đạo Sở;",
        "- UBND các huyện, thành phố;",
        "- Lưu: VT, PCTNXH.",
    ],
    "decision_authority": "GIÁM ĐỐC SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
    "legal_bases": [
        "Căn cứ Pháp lệnh Phòng, chống mại dâm ngày 14 tháng 3 năm 2003;",
        "Căn cứ Quyết định số 29/QĐ-BLĐTBXH ngày 16/01/2023 của Bộ Lao động – Thương binh và"
        " Xã hội ban hành Bộ chỉ số giám sát, quy trình kiểm tra và đánh giá thực hiện Chương"
        " trình phòng, chống mại dâm giai đoạn 2021 - 2025;",
        "Căn cứ Kế hoạch số 48/KH-UBND ngày 27/02/2023 của Ủy ban nhân dân tỉnh về thực hiện"
        " Chương trình phòng, chống mại dâm năm 2023;",
        f"Căn cứ {_PLAN_REF} của {_DEPARTMENT} về kiểm tra {_PROGRAMME}.",
    ],
    "proposal": "Xét đề nghị của Trưởng phòng Phòng, chống tệ nạn xã hội - Bình đẳng giới.",
    "team_name": f"Đoàn kiểm tra {_PROGRAMME}",
    "members": [
        {
            "index": 1,
            "name": "Nguyễn Văn Giang",
            "position": f"Phó Giám đốc {_DEPARTMENT}",
            "role": "Trưởng đoàn",
        },
        {
            "index": 2,
            "name": "Hoàng Thị Thu Hà",
            "position": "Trưởng phòng Phòng, chống tệ nạn xã hội - Bình đẳng giới",
            "role": "Phó Trưởng đoàn",
        },
        {
            "index": 3,
            "name": "Lương Văn Tuấn",
            "position": "Phó Trưởng phòng Phòng, chống tệ nạn xã hội - Bình đẳng giới",
            "role": "Thành viên",
        },
        {
            "index": 4,
            "name": "Nông Minh Đức",
            "position": "Chuyên viên Phòng Kế hoạch - Tài chính",
            "role": "Thành viên",
        },
        {
            "index": 5,
            "name": "Vi Thị Hồng Nhung",
            "position": "Chuyên viên Phòng Phòng, chống tệ nạn xã hội - Bình đẳng giới",
            "role": "Thư ký",
        },
    ],
    "team_duties": f"Đoàn kiểm tra có nhiệm vụ kiểm tra {_PROGRAMME} tại Phòng Lao động,"
    " Thương binh, Xã hội - Dân tộc các huyện, Phòng Lao động - Thương binh và Xã hội thành"
    f" phố và Ban Chỉ đạo 138 các xã, phường, thị trấn được lựa chọn theo {_PLAN_REF} của"
    f" {_DEPARTMENT}; tổng hợp, báo cáo kết quả kiểm tra với Giám đốc Sở. Đoàn kiểm tra tự"
    " giải thể sau khi hoàn thành nhiệm vụ.",
    "time_window": "từ ngày 05/9/2023 đến ngày 19/9/2023",
    "responsible_parties": "Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Sở,"
    " Trưởng phòng Phòng, chống tệ nạn xã hội - Bình đẳng giới, Trưởng phòng Kế hoạch - Tài"
    " chính, Thủ trưởng các đơn vị có liên quan và các ông (bà) có tên tại Điều 1 chịu trách"
    " nhiệm thi hành Quyết định này./.",
}

_TB: dict[str, Any] = {
    **_header("TB-SLĐTBXH", "142", "25", "8", "2023-08-25"),
    "doc_type": "THÔNG BÁO",
    "subject_lines": [
        "Lịch kiểm tra công tác quản lý nhà nước về Chương trình",
        "phòng, chống mại dâm năm 2023 tại huyện Cao Lộc",
    ],
    "signer": dict(_DEPUTY),
    "recipients": [
        "- Như trên;",
        "- UBND huyện Cao Lộc (PHCĐ);",
        "- Lãnh đạo Sở;",
        "- Thành viên Đoàn kiểm tra;",
        "- Lưu: VT, PCTNXH.",
    ],
    "addressees": [
        "- Phòng Lao động, Thương binh, Xã hội - Dân tộc huyện Cao Lộc;",
        "- Ban Chỉ đạo 138 thị trấn Đồng Đăng.",
    ],
    "plan_reference": f"{_PLAN_REF} của {_DEPARTMENT} về kiểm tra {_PROGRAMME}",
    "introduction": f"{_DEPARTMENT} thông báo lịch kiểm tra tại huyện Cao Lộc như sau:",
    "schedule": [
        {
            "index": 1,
            "date": "Thứ Ba, ngày 05/9/2023",
            "time": "08 giờ 00 - 11 giờ 30",
            "office": "Phòng Lao động, Thương binh, Xã hội - Dân tộc huyện Cao Lộc",
            "commune": "Ban Chỉ đạo 138 thị trấn Đồng Đăng",
            "place": "Hội trường tầng 2, UBND huyện Cao Lộc",
        },
    ],
    "preparation": [
        "- Báo cáo kết quả thực hiện Chương trình phòng, chống mại dâm năm 2023 của huyện và của"
        " Ban Chỉ đạo 138 thị trấn Đồng Đăng theo các nội dung tại mục II Kế hoạch số"
        " 68/KH-SLĐTBXH (gửi về Sở trước ngày 01/9/2023 qua hệ thống quản lý văn bản);",
        "- Số liệu thống kê về cơ sở kinh doanh dịch vụ có điều kiện, lao động, tụ điểm và"
        " đối tượng liên quan đến mại dâm trên địa bàn đến ngày 31/8/2023;",
        "- Hồ sơ, tài liệu liên quan để Đoàn kiểm tra đối chiếu khi làm việc.",
    ],
    "contact": "Trong quá trình thực hiện nếu có vướng mắc đề nghị các đơn vị liên hệ bà Vi"
    " Thị Hồng Nhung, chuyên viên Phòng Phòng, chống tệ nạn xã hội - Bình đẳng giới, số điện"
    " thoại 02053.875710 để được hướng dẫn./.",
}

_BB: dict[str, Any] = {
    "governing_body": "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
    "issuer_header": "ĐOÀN KIỂM TRA",
    "number_line": "Số: 01/BB-ĐKT",
    "date_line": "Cao Lộc, ngày 05 tháng 9 năm 2023",
    "is_draft": False,
    "issue_date_iso": "2023-09-05",
    "doc_type": "BIÊN BẢN",
    "subject_lines": [
        "Kiểm tra công tác quản lý nhà nước về Chương trình",
        "phòng, chống mại dâm năm 2023 tại huyện Cao Lộc",
    ],
    "signer": {"authority": "", "position": "TRƯỞNG ĐOÀN", "name": "Nguyễn Văn Giang"},
    "recipients": [
        "- Phòng LĐ, TB, XH-DT huyện Cao Lộc;",
        f"- {_DEPARTMENT};",
        "- Lưu: VT, Hồ sơ.",
    ],
    "opening": "Hôm nay, vào hồi 08 giờ 00 ngày 05 tháng 9 năm 2023, tại Hội trường tầng 2,"
    f" UBND huyện Cao Lộc, Đoàn kiểm tra của {_DEPARTMENT} được thành lập theo {_DECISION_REF}"
    f" của Giám đốc {_DEPARTMENT} tiến hành kiểm tra {_PROGRAMME} tại huyện Cao Lộc theo"
    f" {_PLAN_REF}, với thành phần như sau:",
    "team_attendees": [
        "- Ông Nguyễn Văn Giang, Phó Giám đốc Sở, Trưởng đoàn;",
        "- Bà Hoàng Thị Thu Hà, Trưởng phòng Phòng, chống tệ nạn xã hội - Bình đẳng giới,"
        " Phó Trưởng đoàn;",
        "- Ông Lương Văn Tuấn, Phó Trưởng phòng Phòng, chống tệ nạn xã hội - Bình đẳng giới,"
        " thành viên;",
        "- Bà Vi Thị Hồng Nhung, chuyên viên Phòng Phòng, chống tệ nạn xã hội - Bình đẳng"
        " giới, thư ký.",
    ],
    "unit_attendees": [
        "- Ông Lăng Văn Chiến, Trưởng phòng Lao động, Thương binh, Xã hội - Dân tộc huyện Cao Lộc;",
        "- Bà Chu Thị Mai, công chức Phòng Lao động, Thương binh, Xã hội - Dân tộc huyện Cao Lộc;",
        "- Ông Triệu Văn Bình, Phó Chủ tịch UBND thị trấn Đồng Đăng, Trưởng Ban Chỉ đạo 138"
        " thị trấn;",
        "- Bà Hà Thị Liên, công chức Văn hóa - Xã hội thị trấn Đồng Đăng.",
    ],
    "findings": [
        {
            "number": 1,
            "title": "Việc quản lý thực hiện Chương trình phòng, chống mại dâm",
            "text": "Phòng đã tham mưu UBND huyện ban hành Kế hoạch số 41/KH-UBND ngày"
            " 10/3/2023 thực hiện Chương trình phòng, chống mại dâm năm 2023; Đội kiểm tra liên"
            " ngành được kiện toàn tại Quyết định số 865/QĐ-UBND ngày 15/3/2023. Nội dung tuyên"
            " truyền được phát trên hệ thống loa truyền thanh của 22/22 xã, thị trấn, mỗi tháng"
            " ít nhất một lần.",
        },
        {
            "number": 2,
            "title": "Tình hình thực hiện chương trình và sử dụng kinh phí",
            "text": "Kinh phí giao năm 2023 là 45.000.000 đồng, đến ngày 31/8/2023 đã sử dụng"
            " 28.500.000 đồng (63,3%) cho tuyên truyền, tập huấn và hoạt động của Đội kiểm tra"
            " liên ngành; chứng từ thanh toán đầy đủ, đúng quy định.",
        },
        {
            "number": 3,
            "title": "Việc báo cáo, thống kê, quản lý số liệu",
            "text": "Chấp hành chế độ báo cáo định kỳ 6 tháng đúng thời hạn; số liệu thống kê"
            " tại mục III Biên bản này. Một số chỉ tiêu về lao động ngoài tỉnh chưa được cập"
            " nhật thường xuyên.",
        },
        {
            "number": 4,
            "title": "Về công tác kiểm tra, giám sát",
            "text": "Đội kiểm tra liên ngành đã kiểm tra 21 cơ sở kinh doanh dịch vụ, phát hiện 03"
            " cơ sở vi phạm, xử phạt vi phạm hành chính 12.500.000 đồng.",
        },
        {
            "number": 5,
            "title": "Báo cáo sơ kết, tổng kết",
            "text": "Huyện đã tổ chức sơ kết 6 tháng đầu năm 2023, đánh giá kết quả, tồn tại và"
            " đề ra giải pháp cho 6 tháng cuối năm.",
        },
    ],
    "statistics": [
        {"label": label, "value": _count(value)}
        for (label, _), value in zip(_INDICATORS, _FIGURES["Huyện Cao Lộc"], strict=True)
    ],
    "unit_comments": "Đơn vị được kiểm tra thống nhất với nội dung Biên bản; đề nghị Sở tăng"
    " cường tập huấn nghiệp vụ cho cán bộ làm công tác phòng, chống mại dâm cấp xã.",
    "closing": "Biên bản kết thúc vào hồi 11 giờ 30 cùng ngày, được lập thành 02 bản có giá"
    " trị như nhau, Đoàn kiểm tra giữ 01 bản, đơn vị được kiểm tra giữ 01 bản; các thành phần"
    " tham dự đã nghe đọc lại Biên bản và thống nhất ký tên dưới đây./.",
    "signatures": {
        "left": {
            "title": "ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA",
            "position": "Trưởng phòng LĐ, TB, XH-DT huyện Cao Lộc",
            "name": "Lăng Văn Chiến",
        },
        "right": {
            "title": "TRƯỞNG ĐOÀN KIỂM TRA",
            "position": "Phó Giám đốc Sở",
            "name": "Nguyễn Văn Giang",
        },
    },
}

_BC: dict[str, Any] = {
    **_header("BC-SLĐTBXH", "412", "15", "12", "2023-12-15"),
    "doc_type": "BÁO CÁO",
    "subject_lines": [
        "Kết quả kiểm tra công tác quản lý nhà nước về Chương trình",
        "phòng, chống mại dâm năm 2023",
    ],
    "signer": dict(_DEPUTY),
    "recipients": [
        "- UBND tỉnh (B/c);",
        "- Ban Chỉ đạo 138 tỉnh (B/c);",
        "- UBND các huyện, thành phố;",
        "- Lãnh đạo Sở;",
        "- Lưu: VT, PCTNXH.",
    ],
    "introduction": f"Thực hiện {_PLAN_REF} của {_DEPARTMENT} về kiểm tra {_PROGRAMME}, từ ngày"
    " 05/9/2023 đến ngày 19/9/2023, Đoàn kiểm tra của Sở đã kiểm tra 11/11 Phòng Lao động,"
    " Thương binh, Xã hội - Dân tộc các huyện, Phòng Lao động - Thương binh và Xã hội thành"
    " phố và 11 Ban Chỉ đạo 138 cấp xã được lựa chọn. Kết quả như sau:",
    "statistics": [
        {"index": index, "label": label, "total": _count(sum(column))}
        for index, ((label, _), column) in enumerate(
            zip(_INDICATORS, zip(*_FIGURES.values(), strict=True), strict=True), start=1
        )
    ],
    "statistics_short_labels": [short for _, short in _INDICATORS],
    "district_rows": [
        {"district": district, "values": [_count(value) for value in values]}
        for district, values in _FIGURES.items()
    ],
    "results": [
        "- 11/11 huyện, thành phố đã ban hành kế hoạch thực hiện Chương trình phòng, chống mại"
        " dâm năm 2023 và kiện toàn Đội kiểm tra liên ngành; nội dung tuyên truyền được phát"
        " trên hệ thống loa truyền thanh cơ sở hằng tháng.",
        "- Công tác kiểm tra cơ sở kinh doanh dịch vụ được duy trì: 147 cơ sở được kiểm tra,"
        " phát hiện và xử lý 17 cơ sở vi phạm.",
    ],
    "shortcomings": [
        "- Một số huyện báo cáo chậm, số liệu về lao động ngoài tỉnh chưa được cập nhật"
        " thường xuyên.",
        "- Ban Chỉ đạo 138 một số xã chưa phân công cụ thể thành viên theo dõi cơ sở kinh"
        " doanh dịch vụ trên địa bàn.",
    ],
    "causes": [
        "- Cán bộ làm công tác phòng, chống tệ nạn xã hội cấp huyện, cấp xã kiêm nhiệm nhiều"
        " việc, thường xuyên thay đổi.",
        "- Kinh phí bố trí cho chương trình còn hạn chế.",
    ],
    "recommendations": [
        "- Đề nghị UBND tỉnh bố trí kinh phí tập huấn nghiệp vụ cho cán bộ cấp xã năm 2024.",
        "- Đề nghị UBND các huyện, thành phố chỉ đạo cập nhật số liệu thống kê hằng quý, gửi"
        " Sở Lao động - Thương binh và Xã hội tổng hợp./.",
    ],
}

SAMPLE_CONTEXTS: dict[str, dict[str, Any]] = {
    "KH": _KH,
    "QD": _QD,
    "TB": _TB,
    "BB": _BB,
    "BC": _BC,
}
