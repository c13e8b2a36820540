"""The directory: organisations with their contacts, people with the capacities they sign in,
searched, added, edited and deactivated, each with what it receives in the current campaigns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from service.commands import campaigns as commands
from service.commands import directory as edits
from service.commands.campaigns import AUTHORITY_PREFIXES
from service.database import session as db_session
from service.documents import receipts
from service.errors import Invalid
from service.identity import can, require
from service.models import Contact, Organisation, Person, Signer
from service.queries import directory
from service.queries.paging import page_of_list
from service.web.blueprint import web
from service.web.forms import Form
from service.web.paging import asked_page
from service.web.submit import run_form, run_form_or_refuse
from workflows.limits import MAX_COMPETENCE_BASIS
from workflows.vocabulary import OrganisationKind


def _lengths(columns: Mapping[str, Any]) -> dict[str, int]:
    """field → the longest text its column stores."""
    return {field: int(column.type.length) for field, column in columns.items()}


# The longest text each field stores: its column's length (the command checks the same).
LIMITS = _lengths(
    {
        **{c.key: c for c in (Organisation.name, Organisation.header_name, Organisation.code)},
        **{c.key: c for c in (Organisation.place_name, Organisation.district, Organisation.email)},
        **{c.key: c for c in (Person.full_name, Person.position, Person.phone)},
        "contact_name": Contact.name,
        "role": Contact.role,
        "authority_title": Signer.authority_title,
        "position_title": Signer.position_title,
    }
)
LIMITS["competence_basis"] = MAX_COMPETENCE_BASIS
PREFIXES = [(p, p or "— Không —") for p in AUTHORITY_PREFIXES]
SERIES_LABELS = {"shared": "Một sổ chung", "per_kind": "Mỗi loại văn bản một sổ"}
NO_ADDRESS = "chưa có địa chỉ thư: không nhận được văn bản"
LIST_PAGE_SIZE = 50


def _search() -> dict[str, Any]:
    """The list's filters as the query string gives them."""
    kind = request.args.get("kind", "")
    return {
        "q": request.args.get("q", "").strip()[:200],
        "kind": kind if kind in OrganisationKind.labels() else "",
        "inactive": request.args.get("inactive") == "1",
    }


def _address(form: Form, name: str = "email") -> str | None:
    """An address field: empty is none at all."""
    return form.text(name, max_length=LIMITS["email"]) or None


def _organisation_choices(db: Session, excluding: int | None = None) -> list[tuple[int, str]]:
    """The active organisations a parent (or a person's organisation) is chosen from."""
    return [
        (org_id, f"{name} ({OrganisationKind.label_of(kind)})")
        for org_id, name, kind in directory.organisation_choices(db)
        if org_id != excluding
    ]


# --- organisations ---------------------------------------------------------------------------


def read_organisation(form: Form, new: bool) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": form.text("name", required=True, max_length=LIMITS["name"]),
        "parent_id": form.integer("parent_id", minimum=1),
        "header_name": form.text("header_name", max_length=LIMITS["header_name"]),
        "code": form.text("code", max_length=LIMITS["code"]),
        "place_name": form.text("place_name", max_length=LIMITS["place_name"]),
        "district": form.text("district", max_length=LIMITS["district"]),
        "email": _address(form),
    }
    if new:
        values["kind"] = form.text("kind", required=True)
        if values["kind"] and values["kind"] not in OrganisationKind.labels():
            form.fail("kind", "Chọn loại cơ quan, đơn vị")
    else:
        values["series_plan"] = form.text("series_plan") or "shared"
        if values["series_plan"] not in SERIES_LABELS:
            form.fail("series_plan", "Chọn cách đánh số văn bản")
        values["competence_basis"] = form.text(
            "competence_basis", max_length=LIMITS["competence_basis"]
        )
    return values


def _organisations_page(values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    db = db_session()
    search = _search()
    found = directory.find_organisations(db, search["q"], search["kind"], search["inactive"])
    page = _list_page(
        db,
        "directory_organisations.html",
        values,
        errors,
        found,
        search=search,
        parents=_organisation_choices(db),
    )
    return page, status


def _list_page(
    db: Session,
    template: str,
    values: dict[str, Any],
    errors: dict[str, str],
    rows: list[Any],
    **listing: Any,
) -> str:
    """A page of a directory list with its add form: what each holder receives, the fields'
    limits."""
    return render_template(
        template,
        rows=page_of_list(rows, asked_page(), LIST_PAGE_SIZE),
        receipts=receipts.receipts(db),
        values=values,
        errors=errors,
        limits=LIMITS,
        no_address=NO_ADDRESS,
        **listing,
    )


@web.get("/directory")
@web.get("/directory/organisations")
def directory_organisations() -> Any:
    require("directory.browse")
    return _organisations_page({"kind": OrganisationKind.DISTRICT_OFFICE}, {})


@web.post("/directory/organisations")
def organisation_create() -> Any:
    require("directory.edit")  # the answer may show the list again
    form = Form(request.form)
    values = read_organisation(form, new=True)
    org = run_form(form, commands.create_organisation, values)
    if org is None:
        return _organisations_page(values, form.errors, 422)
    flash(f"Đã thêm {org.name}", "success")
    return redirect(url_for("web.organisation_page", org_id=org.id), 303)


# A sub-form of a page shown again: which one (a row's id or "new"), what was typed, its errors.
Shown = tuple[str, dict[str, Any], dict[str, str]]


def _organisation_page(
    db: Session,
    org: Organisation,
    values: dict[str, Any],
    errors: dict[str, str],
    version: int | None = None,
    contact: Shown | None = None,
    signer: Shown | None = None,
) -> str:
    """The organisation's page; `contact`, `signer`: a contact's or a signer's form shown again."""
    people = directory.people_of(db, org)
    signers = directory.signers_of_organisation(db, org)
    return render_template(
        "directory_organisation.html",
        org=org,
        values=values,
        errors=errors,
        version=org.version if version is None else version,
        contact=contact or ("", {}, {}),
        signer=signer or ("", {"authority_prefix": ""}, {}),
        people=people,
        signers=[(s, directory.signer_capacity(s)) for s in signers],
        signed=directory.campaigns_signed(db, signers),
        signing_people=_signing_people(people, signers),
        prefixes=PREFIXES,
        receipts=receipts.receipts(db).of_organisation(org),
        parents=_organisation_choices(db, excluding=org.id),
        series_labels=SERIES_LABELS,
        limits=LIMITS,
        no_address=NO_ADDRESS,
    )


def _signing_people(people: list[Person], signers: list[Signer]) -> list[tuple[int, str]]:
    """Whom a signer of the organisation is chosen from: its active people, and those who
    already sign for it."""
    signing = {s.person_id for s in signers}
    return [(p.id, p.full_name) for p in people if p.active or p.id in signing]


def organisation_values(org: Organisation) -> dict[str, Any]:
    columns = (
        Organisation.name,
        Organisation.parent_id,
        Organisation.header_name,
        Organisation.code,
        Organisation.place_name,
        Organisation.district,
        Organisation.email,
    )
    keys = tuple(column.key for column in columns)
    return {
        **{key: getattr(org, key) for key in keys},
        "series_plan": org.series_plan,
        "competence_basis": org.competence_basis,
    }


@web.get("/directory/organisations/<int:org_id>")
def organisation_page(org_id: int) -> str:
    require("directory.browse")
    db = db_session()
    org = commands.get_organisation(db, org_id)
    return _organisation_page(db, org, organisation_values(org), {})


@web.post("/directory/organisations/<int:org_id>")
def organisation_save(org_id: int) -> Any:
    form = Form(request.form)
    values = read_organisation(form, new=False)
    saved = run_form(
        form, commands.update_organisation, org_id, values, expected_version=form.version()
    )
    if saved is not None:
        flash("Đã lưu thông tin cơ quan, đơn vị", "success")
        return redirect(request.path, 303)
    db = db_session()
    org = commands.get_organisation(db, org_id)
    return _organisation_page(db, org, values, form.errors, form.shown_version()), form.status


@web.post("/directory/organisations/<int:org_id>/active")
def organisation_active(org_id: int) -> Response:
    form = Form(request.form)
    active = form.data.get("active") == "1"
    org = run_form_or_refuse(form, edits.set_organisation_active, org_id, active)
    done = "Đã dùng lại" if active else "Đã ngừng sử dụng"
    flash(f"{done} {org.name}", "success")
    return redirect(url_for("web.organisation_page", org_id=org.id), 303)


def read_contact(form: Form) -> dict[str, Any]:
    return {
        "name": form.text("name", required=True, max_length=LIMITS["contact_name"]),
        "role": form.text("role", max_length=LIMITS["role"]),
        "email": form.text("email", required=True, max_length=LIMITS["email"]),
        "phone": form.text("phone", max_length=LIMITS["phone"]),
    }


def _contact_refused(org_id: int, which: str, form: Form, values: dict[str, Any]) -> Any:
    db = db_session()
    org = commands.get_organisation(db, org_id)
    contact = (which, values, form.errors)
    page = _organisation_page(db, org, organisation_values(org), {}, contact=contact)
    return page, 422


@web.post("/directory/organisations/<int:org_id>/contacts")
def contact_add(org_id: int) -> Any:
    form = Form(request.form)
    values = read_contact(form)
    if run_form(form, commands.add_contact, org_id, values) is None:
        return _contact_refused(org_id, "new", form, values)
    flash(f"Đã thêm địa chỉ liên hệ {values['name']}", "success")
    return redirect(url_for("web.organisation_page", org_id=org_id), 303)


@web.post("/directory/contacts/<int:contact_id>")
def contact_save(contact_id: int) -> Any:
    form = Form(request.form)
    values = read_contact(form)
    contact = run_form(form, edits.update_contact, contact_id, values)
    if contact is None:
        org_id = edits.get_contact(db_session(), contact_id).organisation_id
        return _contact_refused(org_id, str(contact_id), form, values)
    flash(f"Đã lưu địa chỉ liên hệ {contact.name}", "success")
    return redirect(url_for("web.organisation_page", org_id=contact.organisation_id), 303)


@web.post("/directory/contacts/<int:contact_id>/remove")
def contact_remove(contact_id: int) -> Response:
    org = run_form_or_refuse(Form(request.form), edits.remove_contact, contact_id)
    flash("Đã xóa địa chỉ liên hệ", "success")
    return redirect(url_for("web.organisation_page", org_id=org.id), 303)


# --- people and signers ----------------------------------------------------------------------


def read_person(form: Form) -> dict[str, Any]:
    return {
        "full_name": form.text("full_name", required=True, max_length=LIMITS["full_name"]),
        "position": form.text("position", max_length=LIMITS["position"]),
        "organisation_id": form.integer("organisation_id", minimum=1),
        "email": _address(form),
        "phone": form.text("phone", max_length=LIMITS["phone"]),
    }


def _people_page(values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    db = db_session()
    search = _search()
    page = _list_page(
        db,
        "directory_people.html",
        values,
        errors,
        directory.find_people(db, search["q"], search["inactive"]),
        search=search,
        organisations=_organisation_choices(db),
    )
    return page, status


@web.get("/directory/people")
def directory_people() -> Any:
    require("directory.browse")
    return _people_page({}, {})


@web.post("/directory/people")
def person_create() -> Any:
    require("directory.edit")  # the answer may show the list again
    form = Form(request.form)
    values = read_person(form)
    person = run_form(form, commands.create_person, values)
    if person is None:
        return _people_page(values, form.errors, 422)
    flash(f"Đã thêm {person.full_name}", "success")
    return redirect(url_for("web.person_page", person_id=person.id), 303)


def _person_page(
    db: Session,
    person: Person,
    values: dict[str, Any],
    errors: dict[str, str],
    signer: tuple[dict[str, Any], dict[str, str]] | None = None,
) -> str:
    """The person's page; `signer`: the new capacity's form shown again."""
    signer_values, signer_errors = signer or ({"authority_prefix": ""}, {})
    return render_template(
        "directory_person.html",
        person=person,
        values=values,
        errors=errors,
        signers=[(s, directory.signer_capacity(s)) for s in directory.signers_of(db, person)],
        signer_values=signer_values,
        signer_errors=signer_errors,
        prefixes=PREFIXES,
        receipts=receipts.receipts(db).of_person(person),
        organisations=_organisation_choices(db),
        limits=LIMITS,
        no_address=NO_ADDRESS,
        editable=can("directory.edit"),
    )


def person_values(person: Person) -> dict[str, Any]:
    keys = ("full_name", "position", "organisation_id", "email", "phone")
    return {key: getattr(person, key) for key in keys}


@web.get("/directory/people/<int:person_id>")
def person_page(person_id: int) -> str:
    require("directory.browse")
    db = db_session()
    person = edits.get_person(db, person_id)
    return _person_page(db, person, person_values(person), {})


@web.post("/directory/people/<int:person_id>")
def person_save(person_id: int) -> Any:
    form = Form(request.form)
    values = read_person(form)
    if run_form(form, edits.update_person, person_id, values) is not None:
        flash("Đã lưu thông tin người", "success")
        return redirect(request.path, 303)
    db = db_session()
    return _person_page(db, edits.get_person(db, person_id), values, form.errors), 422


@web.post("/directory/people/<int:person_id>/active")
def person_active(person_id: int) -> Response:
    form = Form(request.form)
    active = form.data.get("active") == "1"
    person = run_form_or_refuse(form, edits.set_person_active, person_id, active)
    done = "Đã dùng lại" if active else "Đã ngừng sử dụng"
    flash(f"{done} {person.full_name}", "success")
    return redirect(url_for("web.person_page", person_id=person.id), 303)


def read_signer(form: Form) -> dict[str, Any]:
    """A capacity's lines: `KT.` `GIÁM ĐỐC` over `PHÓ GIÁM ĐỐC`."""
    values = {
        "authority_prefix": form.text("authority_prefix"),
        "authority_title": form.text("authority_title", max_length=LIMITS["authority_title"]),
        "position_title": form.text(
            "position_title", required=True, max_length=LIMITS["position_title"]
        ),
    }
    if values["authority_prefix"] not in AUTHORITY_PREFIXES:
        form.fail("authority_prefix", "Chọn thẩm quyền ký (KT., TL., …)")
    return values


@web.post("/directory/people/<int:person_id>/signers")
def signer_add(person_id: int) -> Any:
    form = Form(request.form)
    values = {"person_id": person_id, **read_signer(form)}
    if run_form(form, commands.create_signer, values) is not None:
        flash("Đã thêm chức danh ký", "success")
        return redirect(url_for("web.person_page", person_id=person_id), 303)
    db = db_session()
    person = edits.get_person(db, person_id)
    signer = (values, form.errors)
    return _person_page(db, person, person_values(person), {}, signer=signer), 422


def _read_organisation_signer(form: Form, db: Session, org: Organisation) -> dict[str, Any]:
    """A signer of the organisation's page: one of the people it is chosen from, and its lines."""
    person_id = form.integer("person_id", required=True, minimum=1)
    people, signers = directory.people_of(db, org), directory.signers_of_organisation(db, org)
    chosen = dict(_signing_people(people, signers))
    if person_id is not None and person_id not in chosen:
        form.fail("person_id", "Chọn một người đang làm việc ở đơn vị này")
    return {"person_id": person_id, **read_signer(form)}


def _signer_refused(db: Session, org: Organisation, which: str, form: Form, values: Any) -> Any:
    """The organisation's page again, the refused signer's form open with what was typed."""
    signer = (which, values, form.errors)
    page = _organisation_page(db, org, organisation_values(org), {}, signer=signer)
    return page, 422


@web.post("/directory/organisations/<int:org_id>/signers")
def organisation_signer_add(org_id: int) -> Any:
    require("directory.edit")  # the answer may show the page again
    form = Form(request.form)
    db = db_session()
    org = commands.get_organisation(db, org_id)
    values = _read_organisation_signer(form, db, org)
    if run_form(form, commands.create_signer, values) is None:
        return _signer_refused(db, org, "new", form, values)
    flash("Đã thêm người ký", "success")
    return redirect(url_for("web.organisation_page", org_id=org_id), 303)


def _signer_organisation(db: Session, signer_id: int) -> Organisation:
    """The organisation whose page a signer is edited on: its person's."""
    org_id = edits.get_signer(db, signer_id).person.organisation_id
    if org_id is None:
        raise Invalid({"person_id": "Người ký chưa thuộc cơ quan, đơn vị nào"})
    return commands.get_organisation(db, org_id)


@web.post("/directory/signers/<int:signer_id>")
def signer_save(signer_id: int) -> Any:
    require("directory.edit")  # the answer may show the page again
    form = Form(request.form)
    db = db_session()
    org = _signer_organisation(db, signer_id)
    values = _read_organisation_signer(form, db, org)
    if run_form(form, edits.update_signer, signer_id, values) is None:
        return _signer_refused(db, org, str(signer_id), form, values)
    flash("Đã lưu người ký", "success")
    return redirect(url_for("web.organisation_page", org_id=org.id), 303)


@web.post("/directory/signers/<int:signer_id>/remove")
def signer_remove(signer_id: int) -> Response:
    require("directory.edit")
    org = _signer_organisation(db_session(), signer_id)
    run_form_or_refuse(Form(request.form), edits.remove_signer, signer_id)
    flash("Đã xóa chức danh ký", "success")
    return redirect(url_for("web.organisation_page", org_id=org.id), 303)
