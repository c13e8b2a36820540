"""The embedded default's signing material: a demo CA, a key and a signature image for every
person of the directory, and the agency's seal, so the whole signing flow runs on a new machine.

Production never runs this: it configures its HSM (or PKCS#12 files), images and trust roots.
"""

from __future__ import annotations

import shutil

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.config import Config
from service.models import Organisation, Person
from service.signing.appearance import seal_image, signature_image
from service.signing.pki import DemoPki, Identity
from workflows.signing import person_key, seal_key
from workflows.vocabulary import OrganisationKind

DEMO_ROOT = "demo-root.pem"  # the demo CA as the trust roots folder holds it


def ensure_demo_keys(db: Session, config: Config, base_url: str = "") -> DemoPki:
    """Create what is missing (the CA once, then keys and images of new people): idempotent."""
    folder = config.signing_dir
    issuers = db.scalars(select(Organisation).where(Organisation.kind == OrganisationKind.ISSUER))
    seals = [
        (Identity(seal_key(org.id), org.name, org.name, org.email or "", seal=True), org)
        for org in issuers
    ]
    people = [
        Identity(
            person_key(p.id),
            p.full_name,
            p.organisation.name if p.organisation else "",
            p.email or "",
        )
        for p in db.scalars(select(Person))
    ]
    agency = seals[0][1].name if seals else "Vanthu"
    pki = DemoPki.ensure(folder, agency, [*(i for i, _ in seals), *people], base_url)
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    for identity, org in seals:
        path = images / f"{identity.key_id}.png"
        if not path.exists():
            path.write_bytes(seal_image(org.name, org.place_name))
    for identity in people:
        path = images / f"{identity.key_id}.png"
        if not path.exists():
            path.write_bytes(signature_image(identity.common_name))
    roots = folder / "roots"
    roots.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pki.root_path, roots / DEMO_ROOT)
    return pki
