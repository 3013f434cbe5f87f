"""Alerts to the coordinators (a dondoc flow run failed, messages keep failing), sent through the
same outbox as everything else. Raised by Prefect automations (`dondoc automations apply`)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.operations import outbox
from models.tables.assignment import Assignment
from models.tables.org import Body
from models.tables.plan import Duty
from models.types import local_date
from notifications.digests import coordinators

SHOWN = 20  # items named in a skipped-items alert; the audit log has them all


def enqueue(session: Session, *, key: str, subject: str, detail: str, now: datetime, tz: ZoneInfo) -> list[int]:
    """One alert per coordinator for `key` (e.g. the flow run that raised it): a retried
    automation action sends nothing twice."""
    return outbox.queue(
        session,
        [
            outbox.message(
                f"alert:{key}:email:{c.email}",
                "alert",
                "email",
                c.email,
                contact_id=c.id,
                step="alert",
                context={"subject": subject, "detail": detail, "at": now.isoformat()},
                now=now,
            )
            for c in coordinators(session, now=now, tz=tz)
        ],
    )


def skipped(
    session: Session, ids: list[int], *, stage: str, error: Exception, now: datetime, tz: ZoneInfo
) -> list[int]:
    """The alert that a sweep skipped some assignments (`stage`: what it was doing). One a day for
    the same items, whichever steps skipped them."""
    ids = sorted(set(ids))
    rows = session.exec(
        select(Assignment.id, Duty.ref, Body)
        .join(Duty, Duty.id == Assignment.duty_id)
        .join(Body, Body.id == Assignment.body_id)
        .where(Assignment.id.in_(ids[:SHOWN]))
        .order_by(Assignment.id)
    ).all()
    named = "; ".join(f"{ref} của {body.label} (mã {aid})" for aid, ref, body in rows)
    more = f" và {len(ids) - SHOWN} nhiệm vụ khác" if len(ids) > SHOWN else ""
    batch = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:12]
    return enqueue(
        session,
        key=f"skipped:{local_date(now, tz)}:{batch}",
        now=now,
        tz=tz,
        subject="Có nhiệm vụ không xử lý được trong lượt quét hằng ngày",
        detail=f"Khi {stage}, hệ thống đã bỏ qua: {named}{more}, vì dữ liệu không hợp lệ (lỗi kỹ thuật: "
        f"{error.__class__.__name__}: {error}). Các nhiệm vụ khác vẫn được xử lý bình thường. "
        "Đề nghị kiểm tra lại ngày hạn của các nhiệm vụ này (dondoc status --json).",
    )
