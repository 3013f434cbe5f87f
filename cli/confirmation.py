"""`dondoc confirm` (a focal point's evidence), `dondoc review` (a coordinator's decision on it) and
`dondoc link` (the signed link to the assignment's page, where both are done on the web)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli import (
    ID_RANGE,
    AsOfOpt,
    AssignmentArg,
    decide,
    err,
    get_settings,
    out,
    parse_moment,
    portal_links,
    runtime_for,
    send_now,
    session,
)


def _value(text: str) -> tuple[str, float, float | None]:
    """REF=NUMBER, or REF=PART/WHOLE for a rate: its two counts."""
    ref, sep, figure = text.partition("=")
    part, slash, whole = figure.partition("/")
    try:
        if not sep:
            raise ValueError
        return ref.strip(), float(part.replace(",", ".")), float(whole.replace(",", ".")) if slash else None
    except ValueError:
        raise typer.BadParameter(
            f"'{text}': write TARGET_REF=NUMBER, or TARGET_REF=PART/WHOLE for a rate, e.g. II.1.a.1=45/60"
        ) from None


def confirm(
    assignment_id: AssignmentArg,
    file: Annotated[
        list[Path] | None,
        typer.Option("--file", exists=True, dir_okay=False, help="PDF, DOCX, XLSX, JPG or PNG; repeat for several."),
    ] = None,
    reference: Annotated[str | None, typer.Option(help="Số hiệu and date of the document.")] = None,
    value: Annotated[
        list[str] | None,
        typer.Option("--value", help="TARGET_REF=NUMBER, or TARGET_REF=PART/WHOLE for a rate (45/60); repeat."),
    ] = None,
    note: Annotated[str | None, typer.Option(help="What was done.")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Confirm an assignment with evidence (the same as the web page does)."""
    from models.intake.uploads import receive_file
    from models.operations.actions import submit
    from models.operations.confirmation import Submission

    settings = get_settings()
    figures = [_value(v) for v in value or []]
    values = {ref: v for ref, v, _ in figures}
    bases = {ref: b for ref, _, b in figures if b is not None}
    runtime = runtime_for(settings)
    uploads = []
    try:
        with session() as s:
            for p in file or []:  # one by one: a refused file leaves those before it in `uploads` to discard
                uploads.append(receive_file(p, settings.evidence_dir, max_bytes=settings.max_file_bytes))
            sent = Submission(files=uploads, reference=reference, values=values, bases=bases, note=note)
            evidence, ids = submit(
                s,
                assignment_id,
                sent,
                now=parse_moment(as_of, settings),
                policy=runtime.policy,
                tz=runtime.tz,
                date_margin_days=settings.date_margin_days,
            )
    finally:
        for u in uploads:
            u.discard()  # those not kept
    send_now(runtime, ids)
    out.print(f"[green]✓[/green] Đã ghi nhận minh chứng số {evidence.id} cho nhiệm vụ {assignment_id}: chờ xem xét.")


def review(
    assignment_id: AssignmentArg,
    accept: Annotated[bool, typer.Option("--accept", help="Accept the submission.")] = False,
    return_reason: Annotated[str | None, typer.Option("--return", help="Return it, saying why.")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """A coordinator accepts or returns a submission (a return is emailed to the focal point)."""
    from models.operations.actions import decide_submission
    from models.rules.status import classify

    decide(
        decide_submission,
        assignment_id,
        accept,
        return_reason,
        as_of,
        usage='give either --accept or --return "lý do"',
        said=lambda a, now, settings: f"Nhiệm vụ {assignment_id}: {classify(a, now, settings.tz).label}.",
    )


def link(
    assignment_id: AssignmentArg,
    contact: Annotated[
        int | None, typer.Option("--contact", help="The contact's id (default: none named).", **ID_RANGE)
    ] = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="Revoke every live link to it instead.")] = False,
    as_of: AsOfOpt = None,
) -> None:
    """Print a fresh signed link to an assignment's page, for a coordinator to resend."""
    from models.operations.audit import CLI
    from models.operations.links import check_subject, issue
    from models.operations.links import revoke as revoke_links
    from models.tables.link import Purpose

    settings = get_settings()
    now = parse_moment(as_of, settings)
    with session() as s:
        check_subject(s, assignment_id, contact)
        if revoke:
            count = revoke_links(s, assignment_id, now=now, by=CLI)
            out.print(f"[green]✓[/green] Đã thu hồi {count} đường dẫn.")
            return
        made = issue(s, assignment_id, Purpose.confirm, now=now, days=settings.link_days, contact_id=contact, by=CLI)
        url = portal_links(settings).url(made)
        expires = made.expires_at.astimezone(settings.tz)
    sys.stdout.write(url + "\n")
    err.print(f"Hết hạn {expires:%H:%M %d/%m/%Y}.")
