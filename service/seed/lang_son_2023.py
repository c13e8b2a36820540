"""Every text field of the 2023 plan (seed 000_2f04b457f893f3b0), verbatim, and its agencies."""

from __future__ import annotations

from typing import Any

from workflows.vocabulary import OrganisationKind, TeamRole

YEAR = 2023
PRESET = "phong-chong-mai-dam"  # workflows/presets/: the programme this plan inspects
PLACE = "Lạng Sơn"  # where the province's agencies sign ("Lạng Sơn, ngày …")

# The province's agencies by the part they play; each is under its `parent`.
AGENCIES: dict[str, dict[str, str]] = {
    "province": {
        "kind": OrganisationKind.GOVERNING,
        "name": "Ủy ban nhân dân tỉnh Lạng Sơn",
        "header_name": "UBND TỈNH LẠNG SƠN",
        "code": "UBND",
        "email": "ubnd@langson.example.org",
    },
    "department": {
        "parent": "province",
        "kind": OrganisationKind.ISSUER,
        "name": "Sở Lao động - Thương binh và Xã hội",
        "header_name": "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
        "code": "SLĐTBXH",
        "email": "vanthu@sldtbxh.langson.example.org",
    },
    "unit": {
        "parent": "department",
        "kind": OrganisationKind.UNIT,
        "name": "Phòng Phòng, chống tệ nạn xã hội – Bình đẳng giới",
        "header_name": "PHÒNG PHÒNG, CHỐNG TỆ NẠN XÃ HỘI – BÌNH ĐẲNG GIỚI",
        "code": "PCTNXH",
        "email": "pctnxh@sldtbxh.langson.example.org",
    },
    "steering": {
        "parent": "province",
        "kind": OrganisationKind.STEERING,
        "name": "Ban Chỉ đạo 138 tỉnh Lạng Sơn",
        "header_name": "BAN CHỈ ĐẠO 138 TỈNH LẠNG SƠN",
        "code": "BCĐ138",
        "email": "bcd138@langson.example.org",
    },
}

# A district's own organisations: (kind, code prefix, mailbox prefix) of its people's committee,
# of its labour office and of its chosen commune's BCĐ 138 (the last two under the committee).
DISTRICT_PARTS: tuple[tuple[OrganisationKind, str, str], ...] = (
    (OrganisationKind.DISTRICT_COMMITTEE, "UBND", "ubnd"),
    (OrganisationKind.DISTRICT_OFFICE, "LĐTBXH", "ldtbxh"),
    (OrganisationKind.COMMUNE_COMMITTEE, "BCĐ138", "bcd138"),
)

# (district as written in running text, slug for example e-mail addresses, chosen commune, is city)
DISTRICTS: tuple[tuple[str, str, str, bool], ...] = (
    ("thành phố Lạng Sơn", "tpls", "phường Chi Lăng", True),
    ("huyện Tràng Định", "trangdinh", "thị trấn Thất Khê", False),
    ("huyện Bình Gia", "binhgia", "thị trấn Bình Gia", False),
    ("huyện Văn Lãng", "vanlang", "thị trấn Na Sầm", False),
    ("huyện Cao Lộc", "caoloc", "thị trấn Đồng Đăng", False),
    ("huyện Văn Quan", "vanquan", "thị trấn Văn Quan", False),
    ("huyện Bắc Sơn", "bacson", "thị trấn Bắc Sơn", False),
    ("huyện Hữu Lũng", "huulung", "thị trấn Hữu Lũng", False),
    ("huyện Chi Lăng", "chilang", "thị trấn Đồng Mỏ", False),
    ("huyện Lộc Bình", "locbinh", "thị trấn Lộc Bình", False),
    ("huyện Đình Lập", "dinhlap", "thị trấn Đình Lập", False),
)

PLAN: dict[str, Any] = {
    "year": YEAR,
    "title": "Công tác quản lý nhà nước về Chương trình phòng, chống mại dâm năm 2023",
    "subject_lines": [
        "Kiểm tra công tác quản lý nhà nước về Chương trình",
        "phòng, chống mại dâm năm 2023",
    ],
    "legal_bases": [
        "Kế hoạch số 48/KH-UBND ngày 27/02/2023 của Ủy ban nhân dân tỉnh về thực hiện Chương "
        "trình phòng, chống mại dâm năm 2023",
        "Kế hoạch số 53/KH-SLĐTBXH ngày 20/3/2023 của Sở Lao động - Thương binh và Xã hội về "
        "thực hiện Chương trình phòng, chống mại dâm năm 2023",
    ],
    "introduction": (
        "Sở Lao động – Thương binh và Xã hội xây dựng Kế hoạch kiểm tra công tác quản lý nhà nước "
        "về công tác phòng, chống mại dâm năm 2023 tại các huyện, thành phố, cụ thể như sau:"
    ),
    "purposes": [
        "- Kiểm tra đánh giá kết quả triển khai các chương trình, kế hoạch về phòng, chống mại "
        "dâm. Qua đó phân tích, chỉ ra những tồn tại, hạn chế, khó khăn vướng mắc ở cơ sở; dự báo "
        "tình hình, tham mưu UBND tỉnh, Ban chỉ đạo tỉnh các giải pháp chỉ đạo phù hợp.",
        "- Hướng dẫn, cập nhật đầy đủ các văn bản QPPL nhằm nâng cao trách nhiệm quản lý nhà nước "
        "trong tham mưu, chỉ đạo, điều hành tại địa phương.",
    ],
    "requirements": (
        "Các đơn vị, cá nhân có liên quan cần đánh giá đúng tình hình, hiệu quả, bám sát mục đích, "
        "nội dung các chương trình quản lý nhà nước được giao; thống kê, tổng hợp đầy đủ, chính "
        "xác, đảm bảo tiến độ, thời gian."
    ),
    "contents": [
        {
            "number": 1,
            "title": "Việc quản lý thực hiện Chương trình phòng, chống mại dâm",
            "run_in": False,
            "paragraphs": [
                "- Xây dựng, ban hành văn bản quản lý, tổ chức thực hiện chương trình; kế hoạch "
                "thực hiện giai đoạn và kế hoạch hằng năm; thực hiện và điều chỉnh kế hoạch triển "
                "khai chương trình; truyền thông, tăng cường năng lực quản lý chương trình.",
                "- Chỉ đạo, hướng dẫn tổ chức, thực hiện các chương trình, kế hoạch đến các thôn, "
                "bản, tổ dân phố; được chuyển thể thành tài liệu tuyên truyền hàng tháng ít nhất "
                "một lần được đăng tải trên các hệ thống loa phát thanh.",
                "- Phối hợp thực hiện các nội dung, hình thức tuyên truyền, giáo dục, phổ biến "
                "pháp luật về công tác phòng, chống mại dâm.",
                "- Thành lập, kiện toàn và tổ chức các hoạt động của Đội kiểm tra liên ngành về "
                "phòng, chống tệ nạn mại dâm.",
            ],
        },
        {
            "number": 2,
            "title": "Tình hình thực hiện chương trình và sử dụng kinh phí",
            "run_in": False,
            "paragraphs": [
                "Tiến độ, mức độ, kết quả thực hiện mục tiêu, nhiệm vụ; khối lượng thực hiện các "
                "nội dung, hoạt động thuộc chương trình.",
                "Tình hình xây dựng, giao dự toán và sử dụng vốn ngân sách nhà nước trong thực "
                "hiện các nội dung hoạt động của chương trình.",
            ],
        },
        {
            "number": 3,
            "title": "Việc báo cáo, thống kê, quản lý số liệu",
            "run_in": False,
            "paragraphs": [
                "- Việc chấp hành chế độ thống kê, báo cáo định kỳ, đột xuất gửi cấp trên đúng "
                "thời gian quy định. Số cơ sở kinh doanh dịch vụ có điều kiện trên địa bàn; số lao "
                "động nữ làm việc tại các cơ sở KDDV; số nam, nữ; số lao động là người ngoài tỉnh "
                "nhập cư; số đã được sử dụng lao động ký HĐLĐ, chưa được ký HĐLĐ; số tụ điểm hoạt "
                "động mại dâm (hoặc cơ sở KDDV nghi hoạt động mại dâm); số người bán dâm, (hoặc "
                "nghi bán dâm); là người của địa phương nay đã hoàn lương; số đối tượng chủ chứa, "
                "môi giới (hoặc số vụ đã bị triệt phá).",
            ],
        },
        {
            "number": 4,
            "title": "Về công tác kiểm tra, giám sát",
            "run_in": False,
            "paragraphs": [
                "Tổ chức kiểm tra, giám sát đánh giá tình hình, kết quả thực hiện công tác phòng, "
                "chống mại dâm giữa Phòng Lao động, Thương binh, Xã hội - Dân tộc huyện, thành "
                "phố, Ban chỉ đạo các xã, phường, thị trấn.",
            ],
        },
        {
            "number": 5,
            "title": "Báo cáo sơ kết, tổng kết",
            "run_in": True,
            "paragraphs": [
                "Tổ chức các hội nghị, hội thảo đánh giá các nội dung nêu trên, đặc biệt đi sâu "
                "đánh giá, làm rõ: (i) kết quả đạt được; (ii) chỉ ra những tồn tại, bất cập, yếu "
                "kém; (iii) nguyên nhân của những hạn chế, bất cập, (iiii) có đề xuất, kiến nghị, "
                "giải pháp khắc phục tồn tại, bất cập, yếu kém.",
            ],
        },
    ],
    "targets_description": [
        "- Phòng Lao động - Thương binh và Xã hội các huyện, thành phố.",
        "- Tại mỗi huyện, thành phố thực hiện kiểm tra 1 Ban Chỉ đạo (BCĐ) xã, phường, thị trấn "
        "có nhiều cơ sở kinh doanh dịch vụ dễ bị lợi dụng để hoạt động mại dâm (BCĐ xã, phường, "
        "thị trấn do Phòng LĐ,TB,XH-DT các huyện, thành phố lựa chọn).",
    ],
    "method": (
        "Kiểm tra và giám sát theo Bộ chỉ số giám sát, quy trình kiểm tra và đánh giá thực hiện "
        "Chương trình phòng, chống mại dâm giai đoạn 2021 -2025 của Bộ Lao động – Thương binh và "
        "Xã hội. (Quyết định số: 29/QĐ-BLĐTBXH ngày 16/01/2023)"
    ),
    "composition": [
        "- Sở Lao động - Thương binh và Xã hội: Đồng chí Phó Giám đốc Sở làm Trưởng đoàn. Lãnh "
        "đạo, chuyên viên Phòng Phòng, chống tệ nạn xã hội – Bình đẳng giới.",
        "- Các huyện, thành phố: Lãnh đạo và công chức có liên quan thuộc Phòng Lao động, Thương "
        "binh, Xã hội - Dân tộc.",
        "- Các xã, phường, thị trấn: Trưởng Ban Chỉ đạo phòng, chống tội phạm, TNXH và "
        "XDPTTDBVANTQ (Ban Chỉ đạo 138) và các công chức có liên quan.",
    ],
    "time_window": "Trong quý III, IV năm 2023",
    "time_note": "Lịch cụ thể sẽ thông báo sau",
    "closing_paragraphs": [
        "Đề nghị Phòng Lao động, Thương binh, Xã hội - Dân tộc các huyện, phòng LĐTBXH Thành phố "
        "và Ban Chỉ đạo 138 các xã, phường, thị trấn được lựa chọn để kiểm tra, căn cứ nội dung kế "
        "hoạch này chuẩn bị báo cáo; triệu tập thành phần đoàn và chuẩn bị các điều kiện cần thiết "
        "khác để buổi làm việc diễn ra được thuận lợi.",
    ],
    "contact_phone": "02053.875710",
    "recipients": [
        "UBND các huyện, thành phố (PHCĐ)",
        "Phòng LĐ, TB, XH-DT các huyện (TH)",
        "Phòng LĐTBXH TPLS (TH)",
        "Lãnh đạo Sở",
        "VP, Phòng KH-TC",
    ],
}

SIGNER = {
    "full_name": "Nguyễn Văn Giang",
    "position": "Phó Giám đốc Sở",
    "authority_prefix": "KT.",
    "authority_title": "GIÁM ĐỐC",
    "position_title": "PHÓ GIÁM ĐỐC",
}

# Example team (names other than the signer's are illustrative).
TEAM: tuple[tuple[str, str, TeamRole], ...] = (
    ("Nguyễn Văn Giang", "Phó Giám đốc Sở", TeamRole.LEADER),
    (
        "Hoàng Thị Lan",
        "Trưởng phòng Phòng, chống tệ nạn xã hội – Bình đẳng giới",
        TeamRole.DEPUTY,
    ),
    (
        "Lương Văn Hùng",
        "Chuyên viên Phòng Phòng, chống tệ nạn xã hội – Bình đẳng giới",
        TeamRole.MEMBER,
    ),
    (
        "Vi Thị Hoa",
        "Chuyên viên Phòng Phòng, chống tệ nạn xã hội – Bình đẳng giới",
        TeamRole.SECRETARY,
    ),
)

REPORT_SECTIONS: dict[str, list[str]] = {
    "results": [
        "Các huyện, thành phố đã ban hành kế hoạch thực hiện Chương trình phòng, chống mại dâm "
        "năm 2023 và tổ chức triển khai đến cấp xã.",
    ],
    "shortcomings": [
        "Việc thống kê, báo cáo số liệu ở một số địa phương chưa đầy đủ, chưa đúng thời gian quy "
        "định.",
    ],
    "causes": ["Công chức phụ trách lĩnh vực tại cấp xã còn kiêm nhiệm nhiều việc."],
    "recommendations": [
        "Đề nghị UBND các huyện, thành phố chỉ đạo kiện toàn Đội kiểm tra liên ngành và thực hiện "
        "nghiêm chế độ báo cáo định kỳ.",
    ],
}
