"""A second campaign through the web UI for every role, in headless Chromium (issue 17).

After signing in nobody calls the API or a command: the staff enter a new person in the
directory, copy the demo campaign for another programme and schedule a visit on a Saturday; the
leader issues the plan from "Việc chờ tôi", signs it, previews the notices and issues them in one
batch; the district office sends its report and figures; the văn thư seals the plan and exports
the register; the administrator replaces a template (a bad one refused first) and filters the
audit log. Any console error, any refused request the test did not ask for, and any page taking
over 2 s on the embedded default fail it. `VANTHU_SCREENSHOTS=docs/screenshots` saves the
README's pictures of the new pages.
"""

from __future__ import annotations

import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from docx import Document as Docx
from openpyxl import load_workbook
from sqlalchemy import select

from service.commands.demo_keys import ensure_demo_keys
from service.database import transaction
from service.models import Campaign, Document, User
from tests.test_web_browser import Person, browser, live_server, shots
from tests.test_web_support import Accounts, accounts, campaign_id, settle

__all__ = ["accounts", "browser", "campaign_id", "live_server", "shots"]  # fixtures used here

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

# The bound on any page of the embedded default, load event included.
SLOWEST_PAGE_MS = 2000.0
WAIT_MS = 120_000
TITLE = "Công tác bảo vệ, chăm sóc trẻ em năm 2024"
OWN_OFFICE = "thành phố Lạng Sơn"  # the district account's office
NEWCOMER = ("Lý Thị Mai", "mai.lt@sldtbxh.langson.example.org")
REPORT_PDF = b"%PDF-1.4\n% Bao cao cua Phong LDTBXH thanh pho Lang Son\n%%EOF\n"
FIGURES = {
    "businesses": "12",
    "workers": "40",
    "workers_male": "13",
    "workers_female": "27",
    "workers_contract": "35",
    "workers_no_contract": "5",
    "hotspots": "1",
    "businesses_inspected": "6",
}

# Reports each top-level page's Navigation Timing entry once its load event has finished.
TIMING_SCRIPT = """
if (window === window.top) {
  window.addEventListener("load", function () {
    window.setTimeout(function () {
      var entry = performance.getEntriesByType("navigation")[0];
      if (entry) { window.__navigationTiming(location.pathname + location.search, entry.duration); }
    }, 0);
  });
}
"""


class Walker(Person):
    """A signed-in user whose every response and page load is watched: refusals only where the
    test asked for them, and no page slower than the issue allows."""

    def __init__(self, browser: Any, base: str, shots: Path) -> None:
        super().__init__(browser, base, shots)
        self.refused: list[tuple[int, str]] = []
        self.expected: set[tuple[int, str]] = set()
        self.loads: list[tuple[str, float]] = []
        self.page.on("response", self._response)
        self.page.expose_function("__navigationTiming", self._timed)
        self.page.add_init_script(TIMING_SCRIPT)

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.refused.append((response.status, urlsplit(response.url).path))

    def _timed(self, path: str, duration: float) -> None:
        self.loads.append((path, duration))

    def expect_refusal(self, status: int, path: str) -> None:
        """Declare a refusal the walk asks for; `finish` checks that it came, and no other."""
        self.expected.add((status, path))

    def finish(self) -> None:
        assert not self.errors, self.errors
        unexpected = [r for r in self.refused if r not in self.expected]
        assert not unexpected, unexpected
        assert self.expected <= set(self.refused), self.expected - set(self.refused)
        assert self.loads, "no page load was timed"
        slow = self.slow_pages()
        assert not slow, slow
        self.close()

    def slow_pages(self) -> list[tuple[str, int]]:
        """The pages over the limit, each loaded once more first: a page is slow when it is slow
        again, not when one load met a stall of the shared machine (the live server shares this
        process and its two cores with the browser and the jobs the test runs)."""
        slow = []
        for path, ms in [(p, ms) for p, ms in self.loads if ms > SLOWEST_PAGE_MS]:
            self.loads.clear()
            self.go(path)
            for _ in range(200):  # the timing arrives through the page's callback
                if any(p == path for p, _ms in self.loads):
                    break
                self.page.wait_for_timeout(50)
            again = [ms for p, ms in self.loads if p == path]
            if not again or again[-1] > SLOWEST_PAGE_MS:
                slow.append((path, round(max([ms, *again]))))
        return slow


@pytest.fixture
def signing_keys(app: Any, accounts: Accounts) -> None:
    """The embedded default's demo keys (what `vanthu demo` makes): signing is on."""
    with app.app_context(), transaction() as db:
        ensure_demo_keys(db, app.config["VANTHU"])


def _documents(campaign: int) -> dict[tuple[str, str], Document]:
    """(kind, status) -> the campaign's latest such document."""
    with transaction() as db:
        rows = db.scalars(
            select(Document).where(Document.campaign_id == campaign).order_by(Document.id)
        )
        found = {(d.kind, d.status): d for d in rows}
        for doc in found.values():
            db.expunge(doc)
        return found


def _own_visit(campaign: int) -> int:
    """The visit of the district account's office in `campaign`."""
    with transaction() as db:
        office = db.scalar(select(User.organisation_id).where(User.role == "district"))
        found = db.get(Campaign, campaign)
        assert found is not None
        visit = next(t.visit for t in found.targets if t.office_id == office)
        assert visit is not None
        return visit.id


def _work(app: Any) -> None:
    """Run the jobs as a worker would, in a thread of its own: signing runs an event loop, which
    the one Playwright runs in this thread would refuse."""
    with ThreadPoolExecutor(1) as worker:
        worker.submit(settle, app).result()


def _docx_with(template: bytes, text: str) -> bytes:
    doc = Docx(io.BytesIO(template))
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _download(person: Person, selector: str) -> bytes:
    with person.page.expect_download() as download:
        person.page.click(selector)
    return Path(download.value.path()).read_bytes()


def _today(app: Any) -> str:
    return datetime.now(ZoneInfo(app.config["VANTHU"].timezone)).date().isoformat()


def test_every_role_walks_a_second_campaign(
    browser: Any,
    live_server: str,
    app: Any,
    accounts: Accounts,
    campaign_id: int,
    signing_keys: None,
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    staff, leader, clerk, district, admin = (Walker(browser, live_server, shots) for _ in range(5))
    staff.sign_in(*accounts["staff"])

    # The directory: a new colleague with an e-mail address, found again by the search.
    staff.page.locator("header").get_by_role("link", name="Danh bạ").click()
    expect(staff.page.locator("[data-organisations]")).to_contain_text(OWN_OFFICE)
    staff.shot("danh-ba", full_page=False)
    staff.tab("Cá nhân, người ký")
    name, email = NEWCOMER
    form = staff.page.locator("[data-person-new]")
    form.locator("input[name=full_name]").fill(name)
    form.locator("input[name=position]").fill("Chuyên viên Phòng Bảo vệ, chăm sóc trẻ em")
    form.locator("select[name=organisation_id]").select_option(
        label="Sở Lao động - Thương binh và Xã hội (Cơ quan ban hành)"
    )
    form.locator("input[name=email]").fill(email)
    form.get_by_role("button", name="Thêm cá nhân").click()
    staff.expect_flash(f"Đã thêm {name}")
    expect(staff.page.locator("h1")).to_have_text(name)
    newcomer = staff.page.url.rsplit("/", 1)[1]
    expect(staff.page.locator("main")).to_contain_text(email)
    staff.tab("Cá nhân, người ký")
    staff.page.fill("[data-directory-search] input[name=q]", "Lý Thị")
    staff.page.locator("[data-directory-search]").get_by_role("button", name="Tìm").click()
    people = staff.page.locator("[data-people] tbody tr")
    expect(people).to_have_count(1)
    expect(people).to_contain_text(email)
    people.get_by_role("link", name=name).click()
    staff.shot("danh-ba-ca-nhan")

    # A copy of the demo campaign for another programme: two offices, the newcomer in the team.
    staff.page.locator("header").get_by_role("link", name="Kế hoạch kiểm tra").click()
    staff.page.click("summary:has-text('Tạo kế hoạch kiểm tra mới')")
    staff.page.check("input[name=start][value=copy]")
    staff.page.select_option("select[name=copy_from]", str(campaign_id))
    staff.page.fill("input[name=title]", TITLE)
    staff.page.fill("input[name=year]", "2024")
    staff.press("Tạo kế hoạch")
    staff.expect_flash("Đã tạo kế hoạch mới")
    found = re.search(r"/campaigns/(\d+)/plan$", staff.page.url)
    assert found, staff.page.url
    new_id = int(found.group(1))
    staff.tab("Đơn vị được kiểm tra")
    others = staff.page.locator("[data-targets] tbody tr").filter(has_not_text=OWN_OFFICE)
    for remaining in range(others.count() - 1, 0, -1):
        others.last.get_by_role("button", name="Xóa").click()
        expect(others).to_have_count(remaining)
    staff.expect_flash("Đã xóa đơn vị khỏi kế hoạch")
    expect(staff.page.locator("[data-targets] tbody tr")).to_have_count(2)
    staff.tab("Đoàn kiểm tra")
    staff.page.select_option("select[name=person_id]", newcomer)
    staff.page.select_option("form:has(select[name=person_id]) select[name=role]", "thanh_vien")
    staff.press("Thêm vào Đoàn")
    staff.expect_flash("Đã thêm thành viên Đoàn kiểm tra")
    expect(staff.page.locator("[data-team]")).to_contain_text(name)
    staff.tab("Tổng quan")
    staff.press("Tạo dự thảo kế hoạch kiểm tra")
    staff.expect_flash("Đã tạo dự thảo")
    _work(app)

    # The leader's inbox: the draft plan waits; issued from there, then signed under "Chờ ký".
    leader.sign_in(*accounts["leader"])
    leader.page.click("[data-inbox-nav]")
    draft = leader.page.locator("[data-inbox-draft]").filter(has_text=TITLE)
    expect(draft).to_contain_text("Kế hoạch")
    leader.shot("viec-cho-toi")
    draft.get_by_role("link", name="Xem và ban hành").click()
    leader.page.fill("input[name=issue_date]", "2024-04-05")
    leader.page.click("[data-issue]")
    leader.expect_flash("Đã ban hành văn bản số 01/KH-SLĐTBXH")
    _work(app)  # the PDF, prepared for its signatures
    plan = _documents(new_id)[("KH", "issued")]
    leader.page.reload()  # the menu counts what waits for the leader's signature
    leader.page.click("[data-waiting-nav]")
    waiting = leader.page.locator(f'[data-waiting-doc="{plan.id}"]')
    expect(waiting).to_contain_text("01/KH-SLĐTBXH")
    leader.shot("cho-ky")
    waiting.locator("[data-sign]").click()
    leader.expect_flash("Đã xếp lịch ký số")
    _work(app)
    leader.page.reload()
    expect(waiting).to_have_count(0)  # signed: next, the văn thư's seal

    # The schedule: a visit on a Saturday is refused until the staff confirm it.
    staff.go(f"/campaigns/{new_id}/schedule")
    schedule = staff.page.locator("[data-schedule] tbody tr")
    own = schedule.filter(has_text=OWN_OFFICE)
    other = schedule.filter(has_not_text=OWN_OFFICE)
    for row, day in ((own, "2024-09-05"), (other, "2024-09-07")):  # a Thursday, a Saturday
        row.locator("input[name^=date-]").fill(day)
        row.locator("input[name^=start-]").fill("08:00")
        row.locator("input[name^=end-]").fill("11:30")
    staff.expect_refusal(409, f"/campaigns/{new_id}/schedule")
    staff.press("Lưu lịch kiểm tra")
    staff.expect_flash("Chưa lưu lịch")
    expect(other).to_contain_text("vào ngày nghỉ: Thứ bảy, 07/9/2024")
    confirm = staff.page.locator("[data-confirm-day-off]")
    expect(confirm).to_be_visible()
    staff.shot("lich-ngay-nghi")
    confirm.locator("input[type=checkbox]").check()
    staff.press("Lưu lịch kiểm tra")
    staff.expect_flash("Đã lưu lịch kiểm tra (2 đơn vị thay đổi)")
    expect(other.locator("[data-day-off]")).to_contain_text("đã xác nhận")

    # The leader previews both notices, then issues them in one batch.
    leader.go(f"/campaigns/{new_id}/schedule")
    leader.page.fill("[data-announce] input[name=issue_date]", "2024-08-21")
    leader.press("Xem trước các thông báo")
    expect(leader.page.locator("[data-notice-count]")).to_have_text("2")
    preview = leader.page.locator("[data-notice-preview]")
    expect(preview.locator("[data-notice-target]")).to_have_count(2)
    expect(preview).to_contain_text("Thứ Bảy, ngày 07/09/2024")
    expect(leader.page.locator("main")).to_contain_text(email)  # the newcomer is mailed
    leader.shot("xem-truoc-thong-bao")
    leader.press("Ban hành thông báo lịch kiểm tra")
    leader.expect_flash("Đang ban hành thông báo lịch kiểm tra")
    _work(app)
    expect(leader.page.locator("[data-issuing-state]")).to_have_text(
        "Đã ban hành thông báo lịch kiểm tra: 2/2", timeout=WAIT_MS
    )

    # The district office reads what it was sent, then sends its report and figures.
    district.sign_in(*accounts["district"])
    district.page.locator("[data-campaigns]").get_by_role("link", name=TITLE).click()
    docs = district.page.locator("table.docs")
    expect(docs).to_contain_text("01/KH-SLĐTBXH")
    expect(docs).to_contain_text("/TB-SLĐTBXH")
    visit_id = _own_visit(new_id)
    district.page.click(f'a[href="/visits/{visit_id}"]')
    edits = district.page.get_by_role("button", name=re.compile(r"^(Xóa|\+ Thêm dòng)$"))
    assert not [b for b in edits.all() if b.is_visible() and b.is_enabled()]  # read-only
    district.page.get_by_role("link", name="Gửi báo cáo, số liệu của đơn vị").click()
    expect(district.page.locator("[data-sent-documents]")).to_contain_text("01/KH-SLĐTBXH")
    district.page.set_input_files(
        "[data-report-form] input[name=report]",
        files={"name": "bao-cao-tpls.pdf", "mimeType": "application/pdf", "buffer": REPORT_PDF},
    )
    district.press("Gửi báo cáo")
    district.expect_flash("Đã gửi báo cáo của đơn vị cho đoàn kiểm tra")
    expect(district.page.locator("[data-report-link]")).to_have_text("bao-cao-tpls.pdf")
    for key, value in FIGURES.items():
        district.page.fill(f"input[name='statistics.{key}']", value)
    district.press("Gửi số liệu")
    district.expect_flash("Đã gửi số liệu của đơn vị cho đoàn kiểm tra")
    expect(district.page.locator("input[name='statistics.workers']")).to_have_value("40")
    district.shot("bao-cao-cua-don-vi")

    # The team sees them on the visit form.
    staff.go(f"/visits/{visit_id}")
    expect(staff.page.locator("[data-submission] [data-report-link]")).to_be_visible()
    expect(staff.page.locator('[data-reported="workers"]')).to_have_text("40")

    # The văn thư seals the signed plan, and exports the campaign's part of the register.
    clerk.sign_in(*accounts["clerk"])
    clerk.page.click("[data-waiting-nav]")
    clerk.page.locator(f'[data-waiting-doc="{plan.id}"] [data-sign]').click()
    clerk.expect_flash("Đã xếp lịch ký số")
    _work(app)
    clerk.page.locator("header").get_by_role("link", name="Sổ văn bản đi").click()
    scope = clerk.page.locator("[data-register-scope]")
    scope.locator("input[name=year]").fill("2024")
    scope.get_by_role("button", name="Xem sổ").click()
    scope.locator("select[name=campaign_id]").select_option(str(new_id))
    scope.get_by_role("button", name="Xem sổ").click()
    lines = clerk.page.locator("[data-register-rows] tbody tr")
    expect(lines).to_have_count(3)
    expect(lines.first).to_contain_text("01/KH-SLĐTBXH")
    clerk.shot("so-van-ban-di")
    references = {"01/KH-SLĐTBXH", "02/TB-SLĐTBXH", "03/TB-SLĐTBXH"}
    exported = _download(clerk, '[data-register-export="csv"]')
    rows_csv = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert {row[1] for row in rows_csv[1:]} == references
    sheet = load_workbook(io.BytesIO(_download(clerk, '[data-register-export="xlsx"]'))).active
    assert sheet is not None
    cells = {str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell}
    assert references <= cells, cells

    # The administrator replaces the report's template: unknown names are refused and listed.
    admin.sign_in(*accounts["admin"])
    admin.page.locator("header").get_by_role("link", name="Mẫu văn bản").click()
    kind = admin.page.locator('[data-template-kind="BC"]')
    current = _download(admin, '[data-template-kind="BC"] [data-template-download]')
    upload = kind.locator("[data-template-upload]")
    admin.expect_refusal(422, "/templates/BC/candidate")
    upload.locator("input[name=file]").set_input_files(
        files={
            "name": "BC.docx",
            "mimeType": "application/octet-stream",
            "buffer": _docx_with(current, "{{ ten_khong_co }} {{ so_lieu_la }}"),
        }
    )
    upload.get_by_role("button", name="Tải lên và kiểm tra").click()
    unknown = admin.page.locator('[data-template-kind="BC"] [data-unknown-names]')
    expect(unknown).to_contain_text("ten_khong_co")
    expect(unknown).to_contain_text("so_lieu_la")
    unknown.scroll_into_view_if_needed()
    admin.shot("mau-van-ban-tu-choi", full_page=False)
    upload.locator("input[name=file]").set_input_files(
        files={
            "name": "BC.docx",
            "mimeType": "application/octet-stream",
            "buffer": _docx_with(current, "Ghi chú mẫu mới: {{ doc_type }}"),
        }
    )
    upload.get_by_role("button", name="Tải lên và kiểm tra").click()
    admin.expect_flash("Mẫu BC đã qua kiểm tra")

    # While a worker renders its preview: the audit log, filtered by user, object and date.
    admin.page.locator("header").get_by_role("link", name="Nhật ký").click()
    audit = admin.page.locator("[data-audit-filter]")
    audit.locator("select[name=actor]").select_option(accounts["staff"][0])
    audit.locator("select[name=object_type]").select_option("person")
    audit.locator("input[name=from]").fill(_today(app))
    audit.locator("input[name=to]").fill(_today(app))
    audit.locator("button[type=submit]").click()
    entries = admin.page.locator("[data-audit-row]")
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text("Thêm cá nhân")
    expect(entries.get_by_role("link", name=name)).to_be_visible()
    admin.shot("nhat-ky-loc", full_page=False)

    _work(app)
    admin.page.locator("header").get_by_role("link", name="Mẫu văn bản").click()
    link = kind.locator("[data-template-preview]")
    expect(link).to_be_visible(timeout=WAIT_MS)
    pdf = admin.page.request.get(live_server + str(link.get_attribute("href")))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    kind.scroll_into_view_if_needed()
    admin.shot("mau-van-ban", full_page=False)
    kind.locator("[data-template-accept]").click()
    admin.expect_flash("Đã dùng mẫu BC phiên bản 2")
    expect(kind.locator("[data-template-current]")).to_contain_text("phiên bản 2")

    for person in (staff, leader, clerk, district, admin):
        person.finish()
