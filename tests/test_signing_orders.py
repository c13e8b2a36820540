"""Signing orders are data (workflows.signing): defaults per kind, a campaign's own where given,
resolved against a document's frozen context into whose signature goes where."""

from __future__ import annotations

from workflows.signing import ORDERS, Image, Party, order_for, order_problems, plan

SIGNER = {
    "authority": "KT. GIÁM ĐỐC",
    "position": "PHÓ GIÁM ĐỐC",
    "name": "Lê Văn A",
    "person_id": 7,
}
MINUTES = {
    "signatures": {
        "left": {"title": "ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA", "name": "Trần Thị B"},
        "right": {"title": "TRƯỞNG ĐOÀN KIỂM TRA", "name": "Lê Văn A", "person_id": 7},
    }
}


def test_an_agency_document_is_signed_by_its_signer_then_sealed_over_that_signature() -> None:
    signer, seal = plan("QD", {"signer": SIGNER})
    assert (signer.step, signer.party, signer.image, signer.person_id) == (
        1,
        Party.SIGNER,
        Image.SIGNATURE,
        7,
    )
    assert (signer.name, signer.above) == ("Lê Văn A", "PHÓ GIÁM ĐỐC")
    assert (seal.step, seal.party, seal.image, seal.person_id) == (
        2,
        Party.AGENCY,
        Image.SEAL,
        None,
    )
    assert (seal.name, seal.above) == (signer.name, signer.above)  # over the signer's block
    assert signer.field != seal.field


def test_the_minutes_are_signed_by_the_team_leader_and_the_unit_with_its_own_key() -> None:
    leader, unit = plan("BB", MINUTES)
    assert (leader.party, leader.name, leader.above, leader.person_id) == (
        Party.TEAM_LEADER,
        "Lê Văn A",
        "TRƯỞNG ĐOÀN KIỂM TRA",
        7,
    )
    assert (unit.party, unit.name, unit.person_id) == (Party.UNIT, "Trần Thị B", None)


def test_a_campaign_may_give_a_kind_its_own_order() -> None:
    own = {"TB": [{"party": "signer"}]}
    assert [s.party for s in plan("TB", {"signer": SIGNER}, own)] == [Party.SIGNER]
    assert order_for("KH", own) == ORDERS["KH"]  # the other kinds keep the default
    assert order_problems(own) == []


def test_an_order_that_cannot_be_applied_is_refused_with_the_reason() -> None:
    assert order_problems({"XX": [{"party": "signer"}]}) == ["Loại văn bản không có: XX"]
    assert order_problems({"KH": []}) == ["KH: cần ít nhất một chữ ký"]
    assert "bước ký không hợp lệ" in order_problems({"KH": [{"party": "ai"}]})[0]
    twice = [{"party": "signer"}, {"party": "signer"}]
    assert order_problems({"KH": twice}) == ["KH: một bên ký hai lần"]
