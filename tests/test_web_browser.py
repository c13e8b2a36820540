"""The whole demo campaign through the web UI in headless Chromium, against a live server.

Documents are rendered by running the due jobs in this process (as a worker would); the web
process itself never renders. `VANTHU_SCREENSHOTS=docs/screenshots` saves the README's pictures.
"""

from __future__ import annotations

import io
import os
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from service.database import transaction
from service.demo import visit_start
from service.models import Campaign, Document
from tests.conftest import need
from tests.test_web_support import Accounts, accounts, campaign_id, settle

__all__ = ["accounts", "campaign_id"]  # fixtures used here

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
WAIT_MS = 120_000

# What the browser adds (pages, scripts, live progress, downloads) does not depend on the
# database; test_web.py drives the same pages through both: SQLite only here.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    need(Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extras install it
        need(False, "the playwright package is not installed")
        raise
    with sync_playwright() as playwright:
        # Vietnamese UI language: date and time pickers show dd/mm/yyyy and 24 hours where
        # Chromium's Vietnamese resources are installed (Debian's chromium-l10n).
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            env={**os.environ, "LANGUAGE": "vi", "LANG": "vi_VN.UTF-8"},
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The app on a free local port, served by a real threaded HTTP server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("VANTHU_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Person:
    """One signed-in user in a browser context of their own (Vietnamese locale)."""

    def __init__(
        self, browser: Any, base: str, shots: Path, viewport: dict[str, int] = LAPTOP
    ) -> None:
        self.base, self.shots = base, shots
        self.context = browser.new_context(
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            viewport=viewport,
            accept_downloads=True,
        )
        self.context.set_default_timeout(30_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: dialog.accept())  # the confirmations

    def _console(self, message: Any) -> None:
        # Refused pages (403, 404, 422) are expected; script errors and CSP violations are not.
        refused = message.text.startswith(
            "Failed to load resource: the server responded with a status of 4"
        )
        if message.type == "error" and not refused:
            self.errors.append(message.text)

    def go(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def sign_in(self, username: str, password: str) -> None:
        self.go("/")
        assert "/login" in self.page.url
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.expect_flash("Xin chào")

    def expect_flash(self, text: str) -> None:
        from playwright.sync_api import expect

        # A request that writes (issuing takes the register's number) can take seconds on a busy
        # machine; wait as long as any other step rather than expect's 5 s default.
        expect(self.page.locator(".flashes")).to_contain_text(text, timeout=30_000)

    def shot(self, name: str, full_page: bool = True) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=full_page)

    def press(self, button: str) -> None:
        self.page.get_by_role("button", name=button, exact=True).click()

    def tab(self, name: str) -> None:
        self.page.locator("nav.tabs").get_by_role("link", name=name, exact=True).click()

    def mark(self) -> None:
        """Tag the page; a reload would lose the tag (progress must arrive without one)."""
        self.page.evaluate("window.__stay = 1")

    def not_reloaded(self) -> bool:
        return bool(self.page.evaluate("window.__stay === 1"))

    def close(self) -> None:
        self.context.close()


def _ids(campaign_id: int) -> dict[str, Any]:
    with transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        return {
            "targets": [(t.id, t.visit.id if t.visit else None) for t in campaign.targets],
            "docs": {
                (d.kind, d.target_id, d.status): d.id
                for d in db.scalars(select(Document).where(Document.campaign_id == campaign_id))
            },
        }


def _wait_for_preview(person: Person, app: Any) -> None:
    """Run the jobs; the page shows the PDF when it is ready, without a reload."""
    from playwright.sync_api import expect

    person.mark()
    settle(app)
    frame = person.page.locator("[data-doc-preview]")
    expect(frame).to_be_visible(timeout=WAIT_MS)
    expect(frame).to_have_attribute("src", re.compile(r"/files/pdf\?inline=1"))
    expect(person.page.locator("[data-doc-activity]").first).to_have_text("Sẵn sàng")
    assert person.not_reloaded()


def _issue(leader: Person, doc_id: int, day: str, reference: str) -> None:
    leader.go(f"/documents/{doc_id}")
    leader.page.fill("input[name=issue_date]", day)
    leader.page.click("[data-issue]")
    leader.expect_flash(f"Đã ban hành văn bản số {reference}")


def test_whole_campaign_in_the_browser(
    browser: Any,
    live_server: str,
    app: Any,
    accounts: Accounts,
    campaign_id: int,
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    staff = Person(browser, live_server, shots)
    leader = Person(browser, live_server, shots)

    # Sign in and open the demo campaign.
    staff.go("/")
    staff.shot("dang-nhap", full_page=False)
    staff.sign_in(*accounts["staff"])
    expect(staff.page.locator("[data-campaigns]")).to_contain_text("phòng, chống mại dâm")
    staff.shot("danh-sach-ke-hoach", full_page=False)
    staff.page.click("[data-campaigns] a")
    expect(staff.page.locator(".tl-current")).to_contain_text("Dự thảo kế hoạch")
    expect(staff.page.locator('[data-step="issue_plan"]')).to_contain_text("Đã đủ điều kiện")

    # The plan: an editable list of legal bases gets one more line.
    staff.tab("Kế hoạch")
    legal = staff.page.locator('[data-list][data-name="legal_bases"]')
    rows_before = legal.locator("textarea").count()
    legal.locator("[data-add]").click()
    legal.locator("textarea").last.fill("Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ")
    assert legal.locator("textarea").count() == rows_before + 1
    staff.press("Lưu kế hoạch")
    staff.expect_flash("Đã lưu kế hoạch")
    expect(legal).to_contain_text("Nghị định số 30/2020/NĐ-CP")
    staff.shot("ke-hoach-bieu-mau", full_page=False)

    # Generate the draft plan: progress arrives live, then the PDF preview; staff cannot issue.
    staff.tab("Tổng quan")
    staff.press("Tạo dự thảo kế hoạch kiểm tra")
    staff.expect_flash("Đã tạo dự thảo")
    expect(staff.page.locator("[data-doc-activity]").first).to_have_text("Đang chờ xử lý")
    _wait_for_preview(staff, app)
    assert staff.page.locator("[data-issue]").count() == 0
    expect(staff.page.locator("body")).to_contain_text("Dự thảo chờ lãnh đạo xem xét")
    with staff.page.expect_download() as download:
        staff.page.click("[data-doc-files] >> text=DOCX")
    # The name comes from Content-Disposition (Chromium's Vietnamese build names the download
    # itself), with its diacritics kept in `filename*`.
    disposition = staff.page.request.get(download.value.url).headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("UTF-8''")[1]) == "DỰ THẢO v1 Kế hoạch kiểm tra.docx"

    # The leader reviews and issues it.
    leader.sign_in(*accounts["leader"])
    plan_id = _ids(campaign_id)["docs"][("KH", None, "draft")]
    _issue(leader, plan_id, "2023-04-05", "01/KH-SLĐTBXH")
    _wait_for_preview(leader, app)
    expect(leader.page.locator("[data-reference]")).to_have_text("01/KH-SLĐTBXH")
    leader.shot("van-ban", full_page=False)

    # The schedule: two visits overlap at first and are flagged; then fixed.
    targets = _ids(campaign_id)["targets"]
    staff.go(f"/campaigns/{campaign_id}/schedule")
    for i, (target_id, _visit) in enumerate(targets):
        day = visit_start(i).day  # two a working day from 5 September
        start, end = ("08:00", "11:30") if i % 2 == 0 else ("14:00", "16:30")
        staff.page.fill(f"input[name=date-{target_id}]", f"2023-09-{day:02d}")
        staff.page.fill(f"input[name=start-{target_id}]", start)
        staff.page.fill(f"input[name=end-{target_id}]", end)
    second = targets[1][0]
    staff.page.fill(f"input[name=start-{second}]", "10:00")
    staff.press("Lưu lịch kiểm tra")
    staff.expect_flash("Đã lưu lịch kiểm tra (11 đơn vị thay đổi)")
    expect(staff.page.locator(f'tr[data-target="{second}"] [data-conflict]')).to_contain_text(
        "Trùng thời gian với lịch kiểm tra tại"
    )
    staff.shot("lich-kiem-tra")
    staff.page.fill(f"input[name=start-{second}]", "14:00")
    staff.press("Lưu lịch kiểm tra")
    staff.expect_flash("(1 đơn vị thay đổi)")
    assert staff.page.locator("[data-conflict]").count() == 0
    expect(staff.page.locator(f'tr[data-target="{second}"] [data-when]')).to_have_text(
        "14 giờ 00 - 16 giờ 30, Thứ Ba, ngày 05/09/2023"
    )
    assert staff.page.locator("[data-announce] button").count() == 0  # notices are the leader's

    # The leader announces the schedule: a job issues every notice, the page shows how far.
    leader.go(f"/campaigns/{campaign_id}/schedule")
    leader.page.fill("[data-announce] input[name=issue_date]", "2023-08-21")
    leader.press("Xem trước các thông báo")  # every notice, its date, place and recipients
    leader.press("Ban hành thông báo lịch kiểm tra")
    leader.expect_flash("Đang ban hành thông báo lịch kiểm tra")
    expect(leader.page.locator("[data-stage]")).to_have_text("Đã thông báo lịch kiểm tra")
    expect(leader.page.locator("[data-issuing-state]")).to_have_text(
        "Đang ban hành thông báo lịch kiểm tra: 0/11"
    )
    leader.mark()
    settle(app)
    expect(leader.page.locator("[data-pending]")).to_have_text("0", timeout=WAIT_MS)
    expect(leader.page.locator("[data-issuing-state]")).to_have_text(
        "Đã ban hành thông báo lịch kiểm tra: 11/11", timeout=WAIT_MS
    )
    expect(leader.page.locator("table.docs")).to_contain_text("12/TB-SLĐTBXH")
    assert leader.not_reloaded()

    # A visit: figures are checked per field, then recorded; its minutes are drafted and issued.
    first_target, first_visit = _ids(campaign_id)["targets"][0]
    staff.go(f"/campaigns/{campaign_id}")
    staff.page.click(f'a[href="/visits/{first_visit}"]')
    figures = {
        "businesses": "12",
        "workers": "40",
        "workers_male": "13",
        "workers_female": "50",
        "workers_contract": "35",
        "workers_no_contract": "5",
        "hotspots": "1",
        "businesses_inspected": "6",
    }
    for key, value in figures.items():
        staff.page.fill(f"input[name='statistics.{key}']", value)
    staff.page.fill("textarea[name='findings.1']", "Đơn vị đã ban hành kế hoạch năm 2023.")
    staff.page.fill("textarea[name='findings.3']", "Chấp hành chế độ báo cáo định kỳ.")
    staff.page.fill("textarea[name=unit_comments]", "Đơn vị thống nhất với nội dung biên bản.")
    staff.page.fill("input[name=unit_representative]", "Hoàng Văn Minh")
    staff.page.fill("input[name=unit_representative_position]", "TRƯỞNG PHÒNG")
    staff.press("Lưu kết quả kiểm tra")
    staff.expect_flash("Chưa lưu")
    expect(staff.page.locator('[data-error-for="statistics.workers_female"]')).to_contain_text(
        "Không được lớn hơn"
    )
    staff.shot("nhap-ket-qua")
    staff.page.fill("input[name='statistics.workers_female']", "27")
    staff.press("Lưu kết quả kiểm tra")
    staff.expect_flash("Đã lưu kết quả kiểm tra")
    expect(staff.page.locator("[data-visit-status]")).to_have_text("Đã kiểm tra")
    staff.press("Tạo dự thảo biên bản")
    staff.expect_flash("Đã tạo dự thảo")
    _wait_for_preview(staff, app)
    minutes_id = _ids(campaign_id)["docs"][("BB", first_target, "draft")]
    _issue(leader, minutes_id, "2023-09-05", "01/BB-ĐKT")

    # The other districts are not visited this year: each gets a reason.
    staff.go(f"/campaigns/{campaign_id}/schedule")
    for _target_id, visit_id in _ids(campaign_id)["targets"][1:]:
        row = staff.page.locator(f"form#cancel-{visit_id}")
        assert row.count() == 1
        staff.page.click(f'tr:has(input[form="cancel-{visit_id}"]) details.cancel summary')
        staff.page.fill(f'input[form="cancel-{visit_id}"]', "Đơn vị đã được kiểm tra liên ngành")
        staff.page.click(f'button[form="cancel-{visit_id}"]')
        staff.expect_flash("Đã ghi nhận không kiểm tra")
    staff.go(f"/campaigns/{campaign_id}")
    expect(staff.page.locator("[data-stage]")).to_have_text("Đã ban hành các biên bản kiểm tra")
    expect(staff.page.locator('[data-step="issue_report"]')).to_contain_text("Đã đủ điều kiện")

    # The summary report: a recommendation is added, the draft generated, the leader issues it.
    staff.tab("Báo cáo")
    expect(staff.page.locator("[data-report-stats]")).to_contain_text("thành phố Lạng Sơn")
    recommendations = staff.page.locator('[data-list][data-name="report-recommendations"]')
    recommendations.locator("[data-add]").click()
    recommendations.locator("textarea").last.fill("Đề nghị tăng cường kiểm tra cơ sở lưu trú.")
    staff.press("Lưu nội dung báo cáo")
    staff.expect_flash("Đã lưu nội dung báo cáo")
    staff.shot("bao-cao")
    staff.press("Tạo dự thảo báo cáo")
    _wait_for_preview(staff, app)
    report_id = _ids(campaign_id)["docs"][("BC", None, "draft")]
    _issue(leader, report_id, "2023-11-20", "13/BC-SLĐTBXH")

    # The case file is built by its job once every PDF is there; the link appears live.
    leader.go(f"/campaigns/{campaign_id}")
    expect(leader.page.locator("[data-archive-state]")).not_to_have_text("Chưa lập")
    leader.mark()
    settle(app)
    link = leader.page.locator("[data-archive-link]")
    expect(link).to_be_visible(timeout=WAIT_MS)
    assert leader.not_reloaded()
    with leader.page.expect_download() as download:
        link.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    names = archive.namelist()
    assert any("Kế hoạch kiểm tra" in name for name in names), names
    assert any(name.endswith(".pdf") for name in names), names
    leader.page.click('[data-step="archive"] button')
    leader.expect_flash("Đã kết thúc kế hoạch")
    expect(leader.page.locator("[data-stage]")).to_have_text("Đã lập hồ sơ lưu trữ")
    leader.shot("ke-hoach")

    # The dashboard: the chart is drawn from the vendored Chart.js, beside the table.
    leader.go("/dashboard")
    expect(leader.page.locator("canvas[data-chart-ready]")).to_be_visible()
    expect(leader.page.locator("[data-dashboard-table]")).to_contain_text("thành phố Lạng Sơn")
    leader.page.select_option("[data-chart-field]", "workers_female")
    leader.shot("thong-ke")

    # The audit log says who issued what; an API token is made from the account menu.
    leader.go("/audit?area=document.")
    expect(leader.page.locator("table")).to_contain_text("Ban hành văn bản")
    leader.shot("nhat-ky", full_page=False)
    leader.go("/account/tokens")
    leader.page.fill("input[name=name]", "Máy chủ báo cáo của Sở")
    leader.press("Tạo khóa")
    expect(leader.page.locator("[data-new-token]")).to_contain_text("vt_")
    leader.shot("khoa-api", full_page=False)

    # On a tablet the campaign page still works.
    tablet = Person(browser, live_server, shots, TABLET)
    tablet.sign_in(*accounts["leader"])
    tablet.go(f"/campaigns/{campaign_id}")
    expect(tablet.page.locator(".timeline")).to_be_visible()
    tablet.shot("may-tinh-bang", full_page=False)

    # A district user reads the issued plan, and of the rest only its own unit's notice, visit
    # and minutes.
    district = Person(browser, live_server, shots)
    district.sign_in(*accounts["district"])
    district.go(f"/campaigns/{campaign_id}")
    docs = district.page.locator("table.docs")
    expect(docs).to_contain_text("01/KH-SLĐTBXH")
    expect(docs).to_contain_text("02/TB-SLĐTBXH")
    expect(docs).to_contain_text("01/BB-ĐKT")
    assert docs.locator("tbody tr").count() == 3
    district.shot("can-bo-huyen")
    ids = _ids(campaign_id)
    other_target, other_visit = ids["targets"][1]
    other_notice = ids["docs"][("TB", other_target, "issued")]
    assert district.go(f"/documents/{plan_id}").status == 200  # the plan, issued
    for path in (f"/visits/{other_visit}", f"/documents/{other_notice}"):
        response = district.go(path)
        assert response.status == 404, path
        expect(district.page.locator("[data-error-message]")).to_contain_text("Không tìm thấy")
    assert district.go(f"/campaigns/{campaign_id}/plan").status == 403
    assert district.go(f"/visits/{first_visit}").status == 200

    for person in (staff, leader, tablet, district):
        assert not person.errors, person.errors
        person.close()


def test_a_copied_campaign_defines_its_own_inspection(
    browser: Any,
    live_server: str,
    app: Any,
    accounts: Accounts,
    campaign_id: int,
    shots: Path,
) -> None:
    """Copy the demo, give it other contents and indicators: its visit form asks for them."""
    from playwright.sync_api import expect

    staff = Person(browser, live_server, shots)
    leader = Person(browser, live_server, shots)
    staff.sign_in(*accounts["staff"])

    # A new campaign as a copy of last year's.
    staff.page.click("summary:has-text('Tạo kế hoạch kiểm tra mới')")
    staff.page.check("input[name=start][value=copy]")
    staff.page.select_option("select[name=copy_from]", str(campaign_id))
    staff.page.fill("input[name=title]", "Công tác bảo vệ, chăm sóc trẻ em năm 2024")
    staff.page.fill("input[name=year]", "2024")
    staff.shot("tao-ke-hoach-sao-chep", full_page=False)
    staff.press("Tạo kế hoạch")
    staff.expect_flash("Đã tạo kế hoạch mới")
    found = re.search(r"/campaigns/(\d+)/plan$", staff.page.url)
    assert found, staff.page.url
    new_id = int(found.group(1))
    assert new_id != campaign_id

    # Its contents: the five copied ones give way to two new ones.
    contents = staff.page.locator('[data-rows="contents"]')
    expect(contents.locator("input[name='contents.0.title']")).to_have_value(
        "Việc quản lý thực hiện Chương trình phòng, chống mại dâm"
    )
    while contents.locator("[data-remove-row]").count():
        contents.locator("[data-remove-row]").first.click()
    areas = [
        ("Việc ban hành văn bản chỉ đạo về bảo vệ trẻ em", "Kế hoạch, văn bản hướng dẫn."),
        ("Việc bố trí kinh phí, nhân lực", "Dự toán được giao và sử dụng."),
    ]
    for i, (title, paragraph) in enumerate(areas):
        contents.locator("[data-add-row]").click()
        staff.page.fill(f"input[name='contents.{i}.title']", title)
        staff.page.fill(f"textarea[name='contents.{i}.paragraphs']", paragraph)

    # Its indicators: only the first copied one stays; two are added, one a part of the other.
    table = staff.page.locator("[data-indicators]")
    expect(table.locator("input[name='indicators.0.key']")).to_have_value("businesses")
    while table.locator("[data-remove-row]").count() > 1:
        table.locator("[data-remove-row]").last.click()
    for key, label, short in (
        ("children", "Số trẻ em có hoàn cảnh đặc biệt", "Trẻ em HCĐB"),
        ("children_supported", "Trong đó: số trẻ em được trợ giúp", "Được trợ giúp"),
    ):
        table.locator("[data-add-row]").click()
        row = table.locator("[data-row]").last
        row.locator("input[name$='.key']").fill(key)
        row.locator("input[name$='.label']").fill(label)
        row.locator("input[name$='.short_label']").fill(short)
    part = table.locator("[data-row]").last
    part.locator("select[name$='.parent']").select_option("children")
    part.locator("select[name$='.rule']").select_option("at_most")
    staff.press("Lưu kế hoạch")
    staff.expect_flash("Đã lưu kế hoạch")
    expect(table.locator("select[name='indicators.2.parent']")).to_have_value("children")
    table.scroll_into_view_if_needed()
    staff.shot("ke-hoach-chi-tieu", full_page=False)

    # The plan is drafted and issued, one visit scheduled.
    staff.tab("Tổng quan")
    staff.press("Tạo dự thảo kế hoạch kiểm tra")
    staff.expect_flash("Đã tạo dự thảo")
    settle(app)
    leader.sign_in(*accounts["leader"])
    _issue(leader, _ids(new_id)["docs"][("KH", None, "draft")], "2024-04-05", "01/KH-SLĐTBXH")
    target_id, _visit = _ids(new_id)["targets"][0]
    staff.go(f"/campaigns/{new_id}/schedule")
    staff.page.fill(f"input[name=date-{target_id}]", "2024-09-05")
    staff.page.fill(f"input[name=start-{target_id}]", "08:00")
    staff.page.fill(f"input[name=end-{target_id}]", "11:30")
    staff.press("Lưu lịch kiểm tra")
    staff.expect_flash("Đã lưu lịch kiểm tra (1 đơn vị thay đổi)")

    # The visit form asks for exactly the new figures, under the new finding areas.
    _target, visit_id = _ids(new_id)["targets"][0]
    staff.go(f"/visits/{visit_id}")
    fields = staff.page.locator("input[name^='statistics.']")
    assert [fields.nth(i).get_attribute("name") for i in range(fields.count())] == [
        "statistics.businesses",
        "statistics.children",
        "statistics.children_supported",
    ]
    statistics = staff.page.locator("[data-statistics]")
    expect(statistics.locator("tr.part")).to_have_text(re.compile("số trẻ em được trợ giúp"))
    expect(statistics).not_to_contain_text("lao động")
    findings = staff.page.locator("textarea[name^='findings.']")
    assert [findings.nth(i).get_attribute("name") for i in range(findings.count())] == [
        "findings.1",
        "findings.2",
    ]
    form = staff.page.locator("[data-visit-form]")
    for title, _paragraph in areas:
        expect(form).to_contain_text(title)
    expect(form).not_to_contain_text("mại dâm")
    staff.shot("ket-qua-chuong-trinh-moi")

    for person in (staff, leader):
        assert not person.errors, person.errors
        person.close()
