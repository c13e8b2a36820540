"""Request and response shapes of the JSON API (they also make the OpenAPI document)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from apiflask import Schema, fields
from apiflask.fields import Boolean, Date, Dict, List, Nested
from apiflask.validators import Length, OneOf, Range
from flask import current_app
from marshmallow import RAISE, ValidationError
from werkzeug.http import parse_etags

from service.commands.campaigns import AUTHORITY_PREFIXES
from service.queries.registers import SERIES as REGISTER_SERIES
from workflows import indicators, inspection
from workflows.documents import KINDS, SERIES_PLANS
from workflows.limits import INT_MAX, INVALID_MOMENT, MAX_COMPETENCE_BASIS
from workflows.signing import ORDERS, Image, Party
from workflows.text import clean_text
from workflows.vocabulary import (
    DispatchPurpose,
    DispatchState,
    DocumentStatus,
    JobState,
    SignatureState,
    TeamRole,
)


def _local_zone() -> ZoneInfo:
    """The configured time zone (`VANTHU_TIMEZONE`): wall-clock times are read and written in it."""
    return ZoneInfo(current_app.config["VANTHU"].timezone)


class DateTime(fields.DateTime):
    """A moment the system recorded: stored as naive UTC, served with its offset (RFC 3339)."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class LocalDateTime(fields.DateTime):
    """A wall-clock time (a visit's start) in the configured zone: stored naive, served with its
    offset (+07:00 in Việt Nam). Input with an offset is converted to it; without, taken as such.
    """

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=_local_zone())
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment: datetime = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is not None:
            try:
                moment = moment.astimezone(_local_zone()).replace(tzinfo=None)
            except OverflowError:  # `0001-01-01T00:00:00+14:00` is before the year 1 here
                raise ValidationError(INVALID_MOMENT) from None
        return moment


class Integer(fields.Integer):
    """An integer the database can hold: larger ones are refused with 422, never a 500."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        number: int = super()._deserialize(value, attr, data, **kwargs)
        if not -INT_MAX <= number <= INT_MAX:
            raise ValidationError(f"Phải nằm trong khoảng ±{INT_MAX}")
        return number


class String(fields.String):
    """Text as stored: input in NFD or NFC becomes NFC, control characters are dropped."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return clean_text(super()._deserialize(value, attr, data, **kwargs))


Text = String(validate=Length(max=20000))


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class ETag(fields.Field):
    """A record's version as its entity tag: `"3"` (weak, `W/"3"`, is read alike); `*` or no
    header is any version, as before versions were checked."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | None:
        tags = parse_etags(str(value))
        if tags.star_tag:
            return None
        found = list(tags.as_set(include_weak=True))
        if len(found) != 1 or not found[0].isdigit() or int(found[0]) > INT_MAX:
            raise ValidationError('Cần đúng một ETag của bản ghi như GET trả về, ví dụ "3"')
        return int(found[0])


class IfMatch(Schema):
    """The version of the record a change is based on (its ETag, as GET answered it)."""

    if_match = ETag(
        data_key="If-Match",
        load_default=None,
        metadata={
            "type": "string",
            "description": 'ETag của bản ghi khi đọc (ví dụ "3"): bản ghi đã được người khác '
            "thay đổi thì trả 409 và không lưu gì; không gửi thì không kiểm tra",
        },
    )


class ETagHeader(Schema):
    etag = String(data_key="ETag", metadata={"description": 'Phiên bản của bản ghi, ví dụ "3"'})


class PageQuery(StrictSchema):
    page = Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = Integer(load_default=20, validate=Range(min=1, max=100))


class PageMeta(Schema):
    page = Integer()
    per_page = Integer()
    total = Integer()
    pages = Integer()


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """What a list endpoint answers: one page of `item`s and where it stands among them."""
    page = Schema.from_dict({"items": List(Nested(item)), "meta": Nested(PageMeta)}, name=name)
    return cast(type[Schema], page)  # from_dict subclasses the class it is called on


class ProgressQuery(PageQuery):
    """Narrows the jobs or the e-mails to one campaign's or one document's."""

    campaign_id = Integer()
    document_id = Integer()


class ContactOut(Schema):
    id = Integer()
    name = String()
    role = String()
    email = String()


class OrganisationPatch(StrictSchema):
    parent_id = Integer(allow_none=True)
    name = String(validate=Length(min=1, max=300))
    header_name = String(validate=Length(max=300))
    code = String(validate=Length(max=40))
    place_name = String(validate=Length(max=100))
    district = String(validate=Length(max=100))
    email = String(allow_none=True, validate=Length(max=254))
    series_plan = String(validate=OneOf(SERIES_PLANS))
    competence_basis = String(validate=Length(max=MAX_COMPETENCE_BASIS))


class OrganisationIn(OrganisationPatch):
    kind = String(required=True, validate=Length(min=1, max=32))
    name = String(required=True, validate=Length(min=1, max=300))


class OrganisationOut(Schema):
    id = Integer()
    parent_id = Integer(allow_none=True)
    kind = String()
    name = String()
    header_name = String()
    code = String()
    place_name = String()
    district = String()
    email = String(allow_none=True)
    series_plan = String()
    competence_basis = String()
    contacts = List(Nested(ContactOut))
    version = Integer()


OrganisationPage = page_of(OrganisationOut, "OrganisationPage")


class ContentArea(StrictSchema):
    number = Integer(required=True, validate=Range(min=1, max=99))
    title = String(required=True, validate=Length(min=1, max=inspection.MAX_CONTENT_TITLE))
    run_in = Boolean(load_default=False)
    paragraphs = List(Text, load_default=list, validate=Length(max=inspection.MAX_LINES))


class IndicatorSchema(StrictSchema):
    """A figure collected at each visit; a part of its `parent` ("Trong đó") under a rule."""

    key = String(required=True, validate=Length(min=1, max=64), metadata={"example": "workers"})
    label = String(required=True, validate=Length(min=1, max=indicators.MAX_LABEL))
    short_label = String(validate=Length(max=indicators.MAX_SHORT_LABEL))
    parent = String(allow_none=True, load_default=None)
    rule = String(allow_none=True, load_default=None, validate=OneOf(indicators.RULES))
    group = String(validate=Length(max=64))


def _lines() -> List:
    return List(Text, validate=Length(max=inspection.MAX_LINES))


def _name() -> String:
    return String(validate=Length(max=inspection.MAX_NAME))


class SigningStep(StrictSchema):
    """One signature of a kind's signing order (workflows.signing)."""

    party = String(required=True, validate=OneOf(Party.values()))
    image = String(load_default=Image.SIGNATURE, validate=OneOf(Image.values()))


def _signing() -> Dict:
    """A campaign's own signing orders: kind → its steps, in order."""
    return Dict(
        keys=String(validate=OneOf(tuple(ORDERS))),
        values=List(Nested(SigningStep), validate=Length(min=1, max=len(Party))),
    )


class CampaignFields(StrictSchema):
    unit_id = Integer(allow_none=True)
    signer_id = Integer(allow_none=True)
    year = Integer(validate=Range(min=2000, max=2100))
    title = String(validate=Length(min=1, max=1000))
    subject_lines = _lines()
    legal_bases = _lines()
    introduction = Text
    purposes = _lines()
    requirements = Text
    contents = List(Nested(ContentArea), validate=Length(max=inspection.MAX_CONTENTS))
    targets_description = _lines()
    method = Text
    composition = _lines()
    time_window = Text
    time_note = Text
    closing_paragraphs = _lines()
    contact_phone = String(validate=Length(max=40))
    recipients = _lines()
    report_sections = Dict(
        keys=String(validate=OneOf(("results", "shortcomings", "causes", "recommendations"))),
        values=_lines(),
    )
    programme = _name()
    indicators = List(Nested(IndicatorSchema), validate=Length(max=indicators.MAX_INDICATORS))
    preparation = _lines()
    sub_unit_label = _name()
    report_recipients = _lines()
    signing = _signing()


class CampaignIn(CampaignFields):
    """A new campaign: empty, from a programme preset (`GET /presets`) or a copy of an earlier
    campaign; the issuer and the title may come from the copy or the preset."""

    issuer_id = Integer()
    year = Integer(required=True, validate=Range(min=2000, max=2100))
    preset = String(validate=Length(min=1, max=200), metadata={"example": "phong-chong-mai-dam"})
    copy_from = Integer(metadata={"description": "Sao chép từ kế hoạch (mã kế hoạch)"})


class PresetOut(Schema):
    slug = String()
    name = String()
    description = String()


class TargetIn(StrictSchema):
    office_id = Integer(required=True)
    commune_id = Integer(allow_none=True)


class VisitOut(Schema):
    id = Integer()
    target_id = Integer()
    scheduled_start = LocalDateTime()
    scheduled_end = LocalDateTime()
    place = String()
    status = String()
    skip_reason = String()
    sequence = Integer()
    team_attendees = List(String())
    unit_attendees = List(String())
    statistics = Dict(keys=String(), values=Integer())
    findings = Dict(keys=String(), values=String())
    unit_comments = String()
    unit_representative = String()
    unit_representative_position = String()
    commune_representative = String()
    commune_representative_position = String()
    version = Integer()


class TargetOut(Schema):
    id = Integer()
    office_id = Integer()
    commune_id = Integer(allow_none=True)
    office_name = String(attribute="office.name")
    commune_name = String(attribute="commune.name", allow_none=True)
    visit = Nested(VisitOut, allow_none=True)
    version = Integer()


class MemberIn(StrictSchema):
    person_id = Integer(required=True)
    role = String(required=True, validate=OneOf(TeamRole.values()))


TargetPage = page_of(TargetOut, "TargetPage")


class TargetQuery(PageQuery):
    q = String(
        validate=Length(max=200),
        metadata={"description": "Tên đơn vị, huyện hoặc xã có chứa"},
    )


class TargetFields(StrictSchema):
    """A target's change: the fields sent are changed, the others kept."""

    office_id = Integer()
    commune_id = Integer(allow_none=True, metadata={"description": "null: chọn sau"})


class MemberFields(StrictSchema):
    role = String(required=True, validate=OneOf(TeamRole.values()))


class MemberOut(Schema):
    id = Integer()
    person_id = Integer()
    role = String()
    name = String(attribute="person.full_name")
    position = String(attribute="person.position")
    version = Integer()


class CampaignSummary(Schema):
    id = Integer()
    issuer_id = Integer()
    year = Integer()
    title = String()
    stage = String()
    created_at = DateTime()
    version = Integer()


class CampaignOut(CampaignSummary):
    """Dumped from `service.queries.representations.campaign_seen`: a district user gets its own
    office's target only, and no plan or report text (those documents are not its to see)."""

    unit_id = Integer(allow_none=True)
    signer_id = Integer(allow_none=True)
    subject_lines = List(String())
    legal_bases = List(String())
    introduction = String()
    purposes = List(String())
    requirements = String()
    contents = List(Dict())
    targets_description = List(String())
    method = String()
    composition = List(String())
    time_window = String()
    time_note = String()
    closing_paragraphs = List(String())
    contact_phone = String()
    recipients = List(String())
    report_sections = Dict(keys=String(), values=List(String()))
    programme = String()
    indicators = List(Nested(IndicatorSchema))
    preparation = List(String())
    sub_unit_label = String()
    report_recipients = List(String())
    signing = Dict(keys=String(), values=List(Nested(SigningStep)))
    target_count = Integer(
        metadata={"description": "Số đơn vị được kiểm tra; danh sách ở /campaigns/{id}/targets"}
    )
    members = List(Nested(MemberOut))


class ExportContent(Schema):
    number = Integer()
    title = String()
    text = String(metadata={"description": "Các đoạn, mỗi đoạn một dòng"})
    run_in = Boolean()


class ExportTarget(Schema):
    office = String(metadata={"description": "Mã đơn vị được kiểm tra"})
    sub_unit = String(allow_none=True, metadata={"description": "Mã đơn vị cấp xã được chọn"})


class ExportMember(Schema):
    name = String()
    position = String()
    organisation = String(allow_none=True, metadata={"description": "Mã đơn vị"})
    role = String(validate=OneOf(TeamRole.values()))


class ExportContact(Schema):
    phone = String()
    unit = String(allow_none=True, metadata={"description": "Mã phòng chủ trì"})


class ExportSigner(Schema):
    name = String()
    position_title = String()
    authority_prefix = String(validate=OneOf(AUTHORITY_PREFIXES))
    authority_title = String()


class CampaignExport(Schema):
    """One campaign as a JSON document (README "Export format"): what `POST /campaigns/import`
    reads to recreate it as a new draft. Organisations are named by their code."""

    format_version = Integer(metadata={"example": 1})
    title = String()
    programme = String()
    year = Integer()
    subject_lines = List(String())
    legal_bases = List(String())
    introduction = String()
    purposes = List(String())
    requirements = String()
    contents = List(Nested(ExportContent))
    targets_description = List(String())
    method = String()
    composition = List(String())
    indicators = List(Nested(IndicatorSchema))
    preparation = List(String())
    sub_unit_label = String()
    targets = List(Nested(ExportTarget))
    team = List(Nested(ExportMember))
    time_window = String()
    time_note = String()
    closing_paragraphs = List(String())
    contact = Nested(ExportContact)
    recipients = List(String())
    report_recipients = List(String())
    report_sections = Dict(keys=String(), values=List(String()))
    signing = Dict(keys=String(), values=List(Nested(SigningStep)))
    signer = Nested(ExportSigner, allow_none=True)
    issuer = String(metadata={"description": "Mã cơ quan ban hành"})


CampaignPage = page_of(CampaignSummary, "CampaignPage")


class EventOut(Schema):
    id = Integer()
    action = String()
    from_stage = String()
    to_stage = String()
    actor = String()
    reason = String()
    at = DateTime()


class StepOut(Schema):
    action = String()
    label = String()
    target = String()
    allowed = Boolean()
    missing = List(String())
    automatic = Boolean()
    document_kind = String(allow_none=True)


class LifecycleOut(Schema):
    stage = String()
    stage_label = String()
    next_steps = List(Nested(StepOut))
    events = List(Nested(EventOut))


class IssuingOut(Schema):
    """A bulk issue (every notice of the schedule): how many of the targets have their document."""

    kind = String()
    done = Integer()
    total = Integer()
    state = String(metadata={"enum": list(JobState.values())})
    busy = Boolean()
    error = String()


class ProgressOut(Schema):
    issuing = Nested(IssuingOut, allow_none=True)


class ActionIn(StrictSchema):
    reason = String(load_default="", validate=Length(max=2000))
    issue_date = Date(allow_none=True)
    # schedule_visits: the visits on a weekend or public holiday are meant (else 409 names them)
    confirm_non_working_days = Boolean(load_default=False)


class VisitScheduleIn(StrictSchema):
    target_id = Integer(required=True)
    start = LocalDateTime(required=True)
    end = LocalDateTime(required=True)
    place = String(load_default="", validate=Length(max=1000))
    issue_date = Date(allow_none=True)
    # A visit on a weekend or public holiday is meant (else 409 names the day)
    confirm_non_working_days = Boolean(load_default=False)


class VisitResultIn(StrictSchema):
    team_attendees = _lines()
    unit_attendees = _lines()
    statistics = Dict(keys=String(validate=Length(max=64)), values=Integer(strict=True))
    findings = Dict(keys=String(validate=Length(max=4)), values=Text)
    unit_comments = Text
    unit_representative = String(validate=Length(max=200))
    unit_representative_position = String(validate=Length(max=200))
    commune_representative = String(validate=Length(max=200))
    commune_representative_position = String(validate=Length(max=200))
    place = String(validate=Length(max=1000))
    actual_start = LocalDateTime()
    actual_end = LocalDateTime()


class VisitSkipIn(StrictSchema):
    reason = String(required=True, validate=Length(min=1, max=2000))


class DocumentIn(StrictSchema):
    kind = String(required=True, validate=OneOf(tuple(KINDS)))
    target_id = Integer(allow_none=True)
    visit_id = Integer(allow_none=True)


class IssueIn(StrictSchema):
    issue_date = Date(allow_none=True)


class SignIn(StrictSchema):
    pin = String(
        validate=Length(max=64),
        metadata={"description": "Mã PIN của thiết bị ký số, khi thiết bị cần (không lưu)"},
    )


class FileOut(Schema):
    format = String()
    sha256 = String()
    size = Integer()
    page_count = Integer(allow_none=True)


class JobOut(Schema):
    id = Integer()
    kind = String()
    key = String()
    campaign_id = Integer(allow_none=True)
    document_id = Integer(allow_none=True)
    state = String()
    attempts = Integer()
    max_attempts = Integer()
    run_after = DateTime()
    last_error = String()
    created_at = DateTime()
    updated_at = DateTime()
    finished_at = DateTime(allow_none=True)


JobPage = page_of(JobOut, "JobPage")


class JobQuery(ProgressQuery):
    state = String(validate=OneOf(JobState.values()))


class DocumentOut(Schema):
    id = Integer()
    campaign_id = Integer()
    kind = String()
    version = Integer()
    status = String()
    title = String()
    target_id = Integer(allow_none=True)
    visit_id = Integer(allow_none=True)
    number = Integer(allow_none=True)
    code = String()
    reference = String()
    year = Integer()
    issue_date = Date(allow_none=True)
    pdf_note = String()
    created_by = String()
    issued_by = String()
    created_at = DateTime()
    issued_at = DateTime(allow_none=True)
    files = List(Nested(FileOut))


DocumentPage = page_of(DocumentOut, "DocumentPage")


class DocumentQuery(PageQuery):
    kind = String(validate=OneOf(tuple(KINDS)))
    status = String(validate=OneOf(DocumentStatus.values()))


class TemplateOut(Schema):
    id = Integer(allow_none=True)
    kind = String()
    version = Integer()
    sha256 = String()
    uploaded_by = String()
    created_at = DateTime(allow_none=True)


class ContactIn(StrictSchema):
    name = String(required=True, validate=Length(min=1, max=200))
    role = String(validate=Length(max=100))
    email = String(required=True, validate=Length(min=3, max=254))
    phone = String(validate=Length(max=40))


class PersonIn(StrictSchema):
    organisation_id = Integer(allow_none=True)
    full_name = String(required=True, validate=Length(min=1, max=200))
    position = String(validate=Length(max=200))
    email = String(allow_none=True, validate=Length(max=254))
    phone = String(validate=Length(max=40))


class PersonOut(Schema):
    id = Integer()
    organisation_id = Integer(allow_none=True)
    full_name = String()
    position = String()
    email = String(allow_none=True)
    phone = String()


PersonPage = page_of(PersonOut, "PersonPage")


class SignerIn(StrictSchema):
    person_id = Integer(required=True)
    authority_prefix = String(load_default="", validate=OneOf(AUTHORITY_PREFIXES))
    authority_title = String(load_default="", validate=Length(max=200))
    position_title = String(required=True, validate=Length(min=1, max=200))


class SignerPatch(StrictSchema):
    person_id = Integer(validate=Range(min=1))
    authority_prefix = String(validate=OneOf(AUTHORITY_PREFIXES))
    authority_title = String(validate=Length(max=200))
    position_title = String(validate=Length(min=1, max=200))


class SignerOut(Schema):
    id = Integer()
    person_id = Integer()
    authority_prefix = String()
    authority_title = String()
    position_title = String()
    name = String(attribute="person.full_name")


class DispatchOut(Schema):
    id = Integer()
    document_id = Integer()
    document_reference = String(attribute="document.reference")
    campaign_id = Integer()
    purpose = String()
    recipient_name = String()
    organisation_id = Integer(allow_none=True)
    address = String()
    state = String()
    message_id = String()
    attempts = Integer()
    last_error = String()
    created_at = DateTime()
    sent_at = DateTime(allow_none=True)


DispatchPage = page_of(DispatchOut, "DispatchPage")


class DispatchQuery(ProgressQuery):
    state = String(validate=OneOf(DispatchState.values()))
    purpose = String(validate=OneOf(DispatchPurpose.values()))


class RecipientOut(Schema):
    name = String()
    address = String()
    organisation_id = Integer(allow_none=True)


class RouteLineOut(Schema):
    text = String()
    recipients = List(Nested(RecipientOut))
    missing = List(String())


class RoutingOut(Schema):
    printed = List(String())
    lines = List(Nested(RouteLineOut))
    mailing = List(Nested(RecipientOut))
    unmailed = List(String())
    copies = Integer()


class RegistersQuery(StrictSchema):
    """Whose registers, of which year (default: every issuer's, this year)."""

    organisation_id = Integer()
    year = Integer(validate=Range(min=2000, max=2100))


class RegisterOut(Schema):
    id = Integer(allow_none=True)
    organisation_id = Integer()
    year = Integer()
    series = String()
    series_label = String()
    last_number = Integer()
    highest_used = Integer()
    highest_reference = String()
    next_number = Integer()
    entries = Integer()


class NextNumberIn(StrictSchema):
    organisation_id = Integer(required=True)
    year = Integer(required=True, validate=Range(min=2000, max=2100))
    series = String(load_default="shared", validate=OneOf(tuple(REGISTER_SERIES)))
    next_number = Integer(required=True, validate=Range(min=1, max=99999))


class RegisterEntryIn(StrictSchema):
    """A number issued outside the system; its register's year is its date's."""

    organisation_id = Integer(required=True)
    series = String(load_default="shared", validate=OneOf(tuple(REGISTER_SERIES)))
    number = Integer(required=True, validate=Range(min=1, max=99999))
    code = String(required=True, validate=Length(min=1, max=64))
    issue_date = Date(required=True)
    title = String(required=True, validate=Length(min=1, max=20000))
    signer = String(load_default="", validate=Length(max=200))
    recipients = String(load_default="", validate=Length(max=20000))
    keeper = String(load_default="", validate=Length(max=200))
    copies = Integer(load_default=None, allow_none=True, validate=Range(min=0, max=100000))
    notes = String(load_default="", validate=Length(max=20000))


class RegisterEntryOut(Schema):
    id = Integer()
    register_id = Integer()
    series = String(attribute="register.series")
    year = Integer(attribute="register.year")
    number = Integer()
    code = String()
    reference = String()
    issue_date = Date()
    title = String()
    signer = String()
    recipients = String()
    keeper = String()
    copies = Integer(allow_none=True)
    notes = String()
    created_by = String()
    created_at = DateTime()


class ArchiveBuildOut(Schema):
    id = Integer()
    campaign_id = Integer()
    state = String()
    progress = Integer()
    total = Integer()
    sha256 = String()
    size = Integer()
    filename = String()
    last_error = String()
    requested_by = String()
    created_at = DateTime()
    built_at = DateTime(allow_none=True)


class SignatureReportOut(Schema):
    """A signature as validated when it was applied (service.signing.validation)."""

    field = String(metadata={"description": "Tên trường chữ ký trong tệp PDF"})
    signer = String()
    organisation = String()
    signed_at = String(allow_none=True, metadata={"format": "date-time"})
    timestamped = Boolean()
    level = String(metadata={"enum": ["B-B", "B-T", "B-LT"]})
    intact = Boolean()
    trusted = Boolean()
    covers_document = Boolean()
    valid = Boolean()
    reason = String()


class SignatureOut(Schema):
    id = Integer()
    document_id = Integer()
    step = Integer()
    party = String(metadata={"enum": list(Party.values())})
    image = String()
    field = String(metadata={"description": "Ô chữ ký trong tệp PDF mà bước này ký vào"})
    name = String()
    person_id = Integer(allow_none=True)
    state = String(metadata={"enum": list(SignatureState.values())})
    method = String(metadata={"description": "server: khóa trên máy chủ; upload: công cụ ký"})
    signed_by = String()
    signed_at = DateTime(allow_none=True)
    level = String()
    last_error = String()
    report = Nested(SignatureReportOut)


class SigningLinksOut(Schema):
    """A one-time pair for a signer's own tool: GET the PDF once, PUT it back signed."""

    signature = Nested(SignatureOut)
    download_url = String()
    upload_url = String()
    expires_at = DateTime()
