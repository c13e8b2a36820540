"""Passwords, role rules and district scoping, accounts, and the `create-user` command."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from service import auth, cli
from service.auth import Forbidden, verify_password
from service.commands import documents, sessions, tokens, users, visits
from service.commands.caller import Caller
from service.config import Config
from service.errors import Conflict, Invalid, NotFound
from service.models import Document, Organisation, User
from service.seed.load import load_demo
from tests.auth_helper import SYSTEM
from tests.jobs_helper import run_due_jobs
from workflows.vocabulary import JobKind


def test_passwords_are_hashed_at_the_shipped_cost() -> None:
    """The suite hashes cheaply (tests/conftest.py); the product, in a process of its own, at
    werkzeug's full scrypt cost."""
    code = "from service import auth; print(auth.hash_password('mật khẩu dài'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("scrypt:32768:8:1$")


def test_password_is_hashed_and_checked() -> None:
    hashed = auth.hash_password("mật khẩu dài")
    assert "mật khẩu" not in hashed and hashed.startswith(("scrypt:", "pbkdf2:"))
    assert auth.verify_password(hashed, "mật khẩu dài")
    assert not auth.verify_password(hashed, "mật khẩu sai")
    assert not auth.verify_password(None, "bất kỳ")
    assert auth.password_problem("ngắn") and auth.password_problem(" có khoảng trắng ")
    assert auth.password_problem("đủ-dài-rồi") is None


def _user(role: str, organisation_id: int | None = None, active: bool = True) -> User:
    return User(username=role, role=role, organisation_id=organisation_id, active=active)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", {"campaign.edit", "document.issue", "user.manage", "dispatch.resend"}),
        ("leader", {"campaign.edit", "document.issue", "dispatch.resend"}),
        ("staff", {"campaign.edit", "document.draft", "dispatch.resend"}),
        ("district", {"campaign.view", "document.view", "statistics.view"}),
    ],
)
def test_role_rules(role: str, allowed: set[str]) -> None:
    user = _user(role, organisation_id=1)
    for action in allowed:
        assert auth.can(user, action), (role, action)
    if role == "staff":
        assert not auth.can(user, "document.issue") and not auth.can(user, "user.manage")
    if role == "district":
        for action in ("campaign.edit", "document.draft", "visit.record", "archive.download"):
            assert not auth.can(user, action)
    assert not auth.can(_user(role, 1, active=False), "campaign.view")
    assert not auth.can(None, "campaign.view")


def test_district_user_sees_only_its_own_office(db: Session) -> None:
    campaign = load_demo(db)
    own, other = campaign.targets[0], campaign.targets[1]
    user = _user("district", organisation_id=own.office_id)
    staff = _user("staff")
    assert auth.sees(user, campaign) and auth.sees(staff, other)
    assert auth.sees(user, own) and not auth.sees(user, other)
    assert [t for t in campaign.targets if auth.sees(user, t)] == [own]
    plan = documents.draft(db, SYSTEM, campaign.id, "KH")
    assert not auth.sees(user, plan) and auth.sees(staff, plan)
    documents.issue(db, SYSTEM, plan.id)
    for target in campaign.targets:
        visits.schedule(db, SYSTEM, campaign.id, target.id, _at(9, 8), _at(9, 11), "Trụ sở")
    visits.announce(db, SYSTEM, campaign, None)
    run_due_jobs(kind=JobKind.ISSUE)
    notices = db.scalars(select(Document).where(Document.kind == "TB")).all()
    assert [n.target_id for n in notices if auth.sees(user, n)] == [own.id]
    assert own.visit is not None and other.visit is not None
    assert auth.sees(user, own.visit) and not auth.sees(user, other.visit)
    with pytest.raises(NotFound):
        auth.check(user, "visit.view", other.visit)
    with pytest.raises(Forbidden):
        auth.check(user, "visit.record", own.visit)
    nowhere = _user("district", organisation_id=None)
    assert not auth.sees(nowhere, campaign)


def _at(hour: int, day: int) -> datetime:
    return datetime(2023, 9, day, hour, 0)


def test_moving_a_visit_after_the_notices_is_for_signers(db: Session) -> None:
    campaign = load_demo(db)
    staff, leader = _user("staff"), _user("leader")
    assert auth.can(staff, "visit.schedule", campaign)
    campaign.stage = "visits_scheduled"
    assert not auth.can(staff, "visit.schedule", campaign)
    assert auth.can(leader, "visit.schedule", campaign)
    with pytest.raises(Forbidden, match="lãnh đạo"):
        auth.check(staff, "visit.schedule", campaign)


def _office(db: Session, code: str = "LĐTBXH-TPLS") -> Organisation:
    org = db.scalar(select(Organisation).where(Organisation.code == code))
    assert org is not None
    return org


def test_create_user_validates(db: Session) -> None:
    load_demo(db)
    with pytest.raises(Invalid) as refused:
        users.create(db, SYSTEM, "Có Dấu", "", "ngắn", "king")
    assert set(refused.value.fields) == {"username", "full_name", "password", "role"}
    with pytest.raises(Invalid) as refused:
        users.create(db, SYSTEM, "huyen.x", "Cán bộ", "mat-khau-du-dai", "district")
    assert "organisation_id" in refused.value.fields
    department = db.scalar(select(Organisation).where(Organisation.kind == "issuer"))
    assert department is not None
    with pytest.raises(Invalid):
        users.create(db, SYSTEM, "huyen.x", "Cán bộ", "mat-khau-du-dai", "district", department.id)
    user = users.create(
        db, SYSTEM, "Huyen.X", "Cán bo\u0302\u0323", "mat-khau-du-dai", "district", _office(db).id
    )
    assert user.username == "huyen.x" and user.full_name == "Cán bộ"  # stored NFC
    assert user.password_hash != "mat-khau-du-dai"
    with pytest.raises(Invalid, match="đã được dùng"):
        users.create(db, SYSTEM, "huyen.x", "Khác", "mat-khau-du-dai", "staff")


def test_authenticate_and_deactivate(db: Session) -> None:
    admin = users.create(db, SYSTEM, "quantri", "Quản trị", "mat-khau-du-dai", "admin")
    assert users.authenticate(db, "QuanTri ", "mat-khau-du-dai") is admin
    assert users.authenticate(db, "quantri", "sai-mat-khau") is None
    assert users.authenticate(db, "khong-co", "mat-khau-du-dai") is None
    with pytest.raises(Conflict, match="cuối cùng"):
        users.set_active(db, SYSTEM, admin.id, False)
    users.create(db, SYSTEM, "quantri2", "Quản trị 2", "mat-khau-du-dai", "admin")
    users.set_active(db, SYSTEM, admin.id, False)
    assert users.authenticate(db, "quantri", "mat-khau-du-dai") is None
    own = Caller(admin, SYSTEM.timezone)
    wrong = users.change_password(db, own, "sai-mat-khau", "mat-khau-moi-dai", "mat-khau-moi-dai")
    assert wrong is None  # logged as a failure, which a refusal would roll back
    with pytest.raises(Invalid) as refused:
        users.change_password(db, own, "mat-khau-du-dai", "mat-khau-moi-dai", "khac")
    assert set(refused.value.fields) == {"confirm"}
    with pytest.raises(Invalid) as refused:
        users.change_password(db, own, "mat-khau-du-dai", "ngắn", "ngắn")
    assert set(refused.value.fields) == {"new_password"}
    users.change_password(db, own, "mat-khau-du-dai", "mat-khau-moi-dai", "mat-khau-moi-dai")
    assert verify_password(admin.password_hash, "mat-khau-moi-dai")


def test_new_password_and_deactivation_end_sessions_and_tokens(db: Session) -> None:
    user = users.create(db, SYSTEM, "canbo", "Cán bộ", "mat-khau-du-dai", "staff")
    users.create(db, SYSTEM, "quantri", "Quản trị", "mat-khau-du-dai", "admin")
    first, second = sessions.start(db, user), sessions.start(db, user)
    plain = tokens.issue(db, SYSTEM, "máy báo cáo", user)[1]
    own = Caller(user, SYSTEM.timezone)
    changed = users.change_password(db, own, "mat-khau-du-dai", "mat-khau-moi-1", "mat-khau-moi-1")
    assert changed is not None and changed.revoked_tokens == 1
    assert sessions.find(db, first) is None and sessions.find(db, second) is None
    assert tokens.find(db, plain) is None
    third = sessions.start(db, user)
    users.set_active(db, SYSTEM, user.id, False)
    users.set_active(db, SYSTEM, user.id, True)
    assert sessions.find(db, third) is None  # unlocking does not bring a session back
    assert sessions.find(db, sessions.start(db, user)) is not None


def test_demo_accounts_get_a_fresh_password_each_time(db: Session) -> None:
    load_demo(db)
    first = {u.username: pw for u, pw in users.ensure_demo_accounts(db, SYSTEM)}
    second = {u.username: pw for u, pw in users.ensure_demo_accounts(db, SYSTEM)}
    assert set(first) == {a.username for a in users.DEMO_ACCOUNTS}
    assert all(first[name] != second[name] for name in first)
    roles = {u.role for u in db.scalars(select(User)).all()}
    assert roles == {"admin", "staff", "leader", "clerk", "district"}
    district = db.scalar(select(User).where(User.role == "district"))
    assert district is not None and district.organisation_id == _office(db).id
    for name, password in second.items():
        assert users.authenticate(db, name, password) is not None


def test_create_user_command(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VANTHU_DATABASE_URL", database_url)
    monkeypatch.setenv("VANTHU_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    result = runner.invoke(
        cli.main,
        ["create-user", "--username", "admin", "--full-name", "Quản trị"],
        input="mat-khau-du-dai\nmat-khau-du-dai\n",
    )
    assert result.exit_code == 0, result.output
    assert "Đã tạo tài khoản admin" in result.output
    again = runner.invoke(
        cli.main,
        ["create-user", "--username", "admin", "--full-name", "X", "--password", "ngan"],
    )
    assert again.exit_code == 1 and "đã được dùng" in again.output
    district = runner.invoke(
        cli.main,
        ["create-user", "--username", "huyen", "--full-name", "X", "--role", "district"],
        input="mat-khau-du-dai\nmat-khau-du-dai\n",
    )
    assert district.exit_code == 1 and "phòng Lao động" in district.output


def test_demo_accounts_only_on_the_embedded_database(tmp_path: Path) -> None:
    var = tmp_path / "var"
    assert cli._is_embedded_database(Config(var_dir=var, broker_url="memory://"))
    elsewhere = f"sqlite:///{tmp_path / 'other.sqlite'}"
    assert not cli._is_embedded_database(Config(var_dir=var, database_url=elsewhere))
    postgres = "postgresql+psycopg://u@localhost/db"
    assert not cli._is_embedded_database(Config(var_dir=var, database_url=postgres))
