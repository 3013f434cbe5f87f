"""The consolidated reports drafted by the report flow (DONDOC_HOME/reports/<plan>/), for a
signed-in coordinator: the links of the Prefect artifact and of the coordinators' digest."""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import FileResponse

from notifications.report.files import FORMATS
from portal.auth import Coordinator
from portal.deps import Ctx
from portal.errors import ErrorPage

router = APIRouter()
# Only the names the report flow writes: nothing else under DONDOC_HOME can be asked for.
PLAN = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
NAME = re.compile(rf"bao-cao-\d{{4}}(?:-H1|-\d{{4}})?\.(?:{'|'.join(FORMATS)})")
TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@router.get("/reports/{plan}/{name}")
def report_file(plan: str, name: str, _reviewer: Coordinator, ctx: Ctx) -> FileResponse:
    path = ctx.settings.home / "reports" / plan / name
    if not (PLAN.fullmatch(plan) and NAME.fullmatch(name)) or not path.is_file():
        raise ErrorPage("Không tìm thấy báo cáo.", 404)
    return FileResponse(path, media_type=TYPES[path.suffix[1:]], filename=name, content_disposition_type="attachment")
