"""Every model, imported so that metadata and Alembic see them all."""

from service.models.archive import ArchiveBuild
from service.models.campaign import Campaign, Target, TeamMember, Visit
from service.models.candidate import TemplateCandidate
from service.models.dispatch import Dispatch
from service.models.document import Document, DocumentFile, Register, RegisterEntry, Template
from service.models.organisation import Contact, Organisation, Person, Signer
from service.models.signature import Signature
from service.models.submission import DistrictSubmission
from service.models.user import ApiToken, AuditEntry, User, UserSession
from service.models.work import Job, LifecycleEvent

__all__ = [
    "ApiToken",
    "ArchiveBuild",
    "AuditEntry",
    "Campaign",
    "Contact",
    "Dispatch",
    "DistrictSubmission",
    "Document",
    "DocumentFile",
    "Job",
    "LifecycleEvent",
    "Organisation",
    "Person",
    "Register",
    "RegisterEntry",
    "Signature",
    "Signer",
    "Target",
    "TeamMember",
    "Template",
    "TemplateCandidate",
    "User",
    "UserSession",
    "Visit",
]
