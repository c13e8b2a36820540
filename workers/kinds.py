"""Every kind of job a worker runs: what it does, and what each way it ends leaves behind.

With `JobKind` (its label, queue and attempts) this is the whole definition of a job kind; the
runner and the sweep (`service.runner`) read it to finish, retry, hand back or give up a job.
"""

from __future__ import annotations

from functools import cache

from flask import current_app

from service import runner
from service.commands import archiving, delivery, issuing, rendering, signing, templates
from service.config import Config
from service.documents.libreoffice import Converter, libreoffice_available
from service.documents.render import RENDER_SECONDS, time_limit
from service.mail.transport import transport_for
from service.models import Job
from service.signing.toolkit import Toolkit, read_roots
from workers import pdf
from workflows.vocabulary import JobKind

# A render job's hard stop in the worker, beyond the sandbox's own RENDER_SECONDS: the render
# fails as over time, for good (rendering.render), instead of holding the worker.
RENDER_TIME_LIMIT = 3 * RENDER_SECONDS


def _converter() -> Converter | None:
    """This process's warm LibreOffice, or None when it is not installed (DOCX only)."""
    config = current_app.config["VANTHU"]
    return pdf.get_converter().convert if libreoffice_available(config.soffice) else None


def _render(job: Job) -> None:
    with time_limit(RENDER_TIME_LIMIT):
        rendering.render(int(job.document_id or 0))


def _convert(job: Job) -> None:
    signing_on = current_app.config["VANTHU"].signing_on
    rendering.convert(int(job.document_id or 0), _converter(), signing_on)


@cache
def _toolkit(config: Config) -> Toolkit:
    """This process's keys (a token session, opened files), trust roots and timestamper."""
    return Toolkit.from_config(config)


def _sign(job: Job) -> None:
    if "signature_id" in job.payload:
        config = current_app.config["VANTHU"]
        signing.run_sign(job, _toolkit(config), config.secret_key)
    else:
        signing.run_prepare(int(job.document_id or 0))


def _preview(job: Job) -> None:
    templates.preview(int(job.payload["candidate_id"]), _converter(), RENDER_TIME_LIMIT)


def _archive(job: Job) -> None:
    config = current_app.config["VANTHU"]
    archiving.handle(job, _converter(), config.timezone, read_roots(config.signing_dir / "roots"))


def _send(job: Job) -> None:
    config = current_app.config["VANTHU"]
    delivery.deliver(
        job, transport_for(config), config.mail_from, config.timezone, config.docx_to_internal
    )


KINDS: dict[str, runner.Kind] = {
    JobKind.RENDER: runner.Kind(_render, batched=True),
    JobKind.CONVERT: runner.Kind(_convert, given_up=rendering.conversion_given_up),
    JobKind.SEND: runner.Kind(_send, given_up=delivery.given_up, retrying=delivery.retrying),
    JobKind.ARCHIVE: runner.Kind(
        _archive,
        given_up=archiving.given_up,
        retrying=archiving.retrying,
        handed_back=archiving.handed_back,
    ),
    JobKind.ISSUE: runner.Kind(issuing.run, given_up=issuing.given_up),
    JobKind.SIGN: runner.Kind(_sign, given_up=signing.sign_failed),
    JobKind.PREVIEW: runner.Kind(_preview, given_up=templates.preview_given_up),
}
