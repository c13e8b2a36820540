"""Every model, imported so that metadata and Alembic see them all."""

from service.models.campaign import Campaign, Target, TeamMember, Visit
from service.models.document import Document, DocumentFile, Register, Template
from service.models.organisation import Contact, Organisation, Person, Signer
from service.models.work import Job, LifecycleEvent

__all__ = [
    "Campaign",
    "Contact",
    "Document",
    "DocumentFile",
    "Job",
    "LifecycleEvent",
    "Organisation",
    "Person",
    "Register",
    "Signer",
    "Target",
    "TeamMember",
    "Template",
    "Visit",
]
