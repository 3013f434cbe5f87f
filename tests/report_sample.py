"""A hand-made consolidated report, for the renderers' own tests: the figures the database would
give are written out here, so a renderer is tested apart from the computation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from models.rules.report import BodySection, Figure, Line, PlanPart, Progress, Report
from models.rules.status import Status

HEADINGS = {
    "II.1": "Nâng cao hiệu quả công tác truyền thông, tuyên truyền, phổ biến, giáo dục về phòng, chống mại dâm",
    "II.3": "Tăng cường thanh tra, kiểm tra; kịp thời phát hiện, xử lý các vi phạm pháp luật về phòng, chống "
    "mại dâm; điều tra, truy tố các tội phạm liên quan đến mại dâm",
}


def _line(id, ref, title, body, label, status, late=0, request=False, **more) -> Line:
    return Line(
        id=id,
        ref=ref,
        title=title,
        body=body,
        body_label=label,
        period="2025-H1",
        due=date(2025, 6, 17),
        due_basis="coordinator",
        status=status,
        days_late=late,
        request=request,
        **more,
    )


def _section(body, label, lines, ended=None) -> BodySection:
    return BodySection(body, label, ended, lines)


def sample_report() -> Report:
    health = [
        _line(
            11,
            "V.6.1",
            "Thanh tra, kiểm tra việc thực hiện các quy định về phòng, chống HIV/AIDS",
            "so-yte",
            "Sở Y tế",
            Status.done_on_time,
            submitted_at=datetime(2025, 6, 16, 2, 0, tzinfo=UTC),
            summary="Đã kiểm tra 12 cơ sở kinh doanh dịch vụ.",
            references=["45/BC-SYT ngày 16/06/2025", "bao-cao-6-thang.pdf"],
            figures=["II.3.a.2b: 12/15 (80%)"],
            difficulties=["Khó khăn: thiếu kinh phí cho đoàn kiểm tra liên ngành."],
        ),
        _line(12, "V.BC", "Báo cáo định kỳ 06 tháng, 01 năm", "so-yte", "Sở Y tế", Status.overdue, late=8),
    ]
    labour = [
        _line(
            21,
            "V.1.1",
            "Chủ trì triển khai Kế hoạch; tuyên truyền pháp luật, tập huấn cán bộ",
            "so-ldtbxh",
            "Sở Lao động - Thương binh và Xã hội",
            Status.done_late,
            late=3,
            submitted_at=datetime(2025, 2, 20, 2, 0, tzinfo=UTC),
            summary="Tổ chức 02 lớp tập huấn.",
            references=["12/BC-LĐTBXH ngày 20/02/2025"],
        )
    ]
    court = [
        _line(
            31,
            "V.11.1",
            "Đề nghị Tòa án nhân dân tỉnh đưa ra xét xử các vụ án liên quan đến mại dâm",
            "tand",
            "Tòa án nhân dân tỉnh",
            Status.open,
            request=True,
        )
    ]
    communes = Progress(
        ref="II.1.a.1",
        group="II.1",
        text="Ít nhất 70% số xã, phường, thị trấn (gọi chung là cấp xã) tổ chức được ít nhất một hình thức "
        "tuyên truyền về phòng ngừa mại dâm và được duy trì thường xuyên;",
        measure="Tỷ lệ xã, phường, thị trấn tổ chức được ít nhất một hình thức tuyên truyền",
        unit="percent",
        threshold=70,
        upper=None,
        per="plan",
        combine="sum",
        numerator="Số xã, phường, thị trấn tổ chức được ít nhất một hình thức tuyên truyền",
        denominator="Tổng số xã, phường, thị trấn",
        figures=[
            Figure("tam-duong", "UBND huyện Tam Đường", 10, 13, True, "V.12.1, văn bản 30/BC-UBND"),
            Figure("phong-tho", "UBND huyện Phong Thổ", 12, 17, False, "V.12.1, văn bản 41/BC-UBND"),
            Figure("sin-ho", "UBND huyện Sìn Hồ"),
        ],
        value=100 * 22 / 30,
        numerator_total=22,
        denominator_total=30,
        required=70,
        met=None,
        trend=[("6 tháng cuối năm 2024", 68.0)],
    )
    inspected = Progress(
        ref="II.3.a.2b",
        group="II.3",
        text="Hằng năm, tăng 3 - 5% số tội phạm liên quan đến mại dâm được xử lý theo quy định của pháp luật, "
        "đặc biệt những địa bàn trọng điểm; tổ chức kiểm tra ít nhất 80% số cơ sở kinh doanh dịch vụ dễ phát "
        "sinh tệ nạn mại dâm trên địa bàn; đến năm 2025, 100% các cơ sở được kiểm tra ít nhất một lần.",
        measure="Tỷ lệ cơ sở kinh doanh dịch vụ dễ phát sinh tệ nạn mại dâm trên địa bàn được kiểm tra trong năm",
        unit="percent",
        threshold=80,
        upper=None,
        per="year",
        combine="max",
        numerator="Số cơ sở kinh doanh dịch vụ dễ phát sinh tệ nạn mại dâm được kiểm tra",
        denominator="Tổng số cơ sở kinh doanh dịch vụ dễ phát sinh tệ nạn mại dâm trên địa bàn",
        figures=[Figure("so-yte", "Sở Y tế", 12, 15, True, "V.6.1, văn bản 45/BC-SYT")],
        value=80.0,
        numerator_total=12,
        denominator_total=15,
        required=80,
        met=True,
        trend=[("6 tháng đầu năm 2024", 75.0), ("6 tháng cuối năm 2024", None)],
    )
    plan = PlanPart(
        code="lai-chau-pcmd-2021-2025",
        number="3742/KH-UBND",
        title="Kế hoạch phòng, chống mại dâm giai đoạn 2021-2025 trên địa bàn tỉnh Lai Châu",
        issued_on=date(2021, 11, 12),
        bodies=[
            _section("so-ldtbxh", "Sở Lao động - Thương binh và Xã hội", labour, ended=date(2025, 2, 28)),
            _section("so-yte", "Sở Y tế", health),
        ],
        requests=[_section("tand", "Tòa án nhân dân tỉnh", court)],
        targets=[communes, inspected],
    )
    return Report(
        kind="half",
        period_key="2025-H1",
        period_label="6 tháng đầu năm 2025",
        period_start=date(2024, 12, 15),
        period_end=date(2025, 6, 14),
        now=datetime(2025, 6, 20, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),  # local, as build() gives it
        province="Lai Châu",
        issuer="Sở Y tế",
        issuer_parent="UBND tỉnh Lai Châu",
        issuer_abbr="SYT",
        recipient="Ủy ban nhân dân tỉnh Lai Châu",
        target_groups=HEADINGS,
        plans=[plan],
    )
