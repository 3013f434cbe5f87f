"""The draft of a catalog from a plan's lines: header, targets, duties, bodies. Pure: the
registry is given, nothing is read or written here.

Conventions are those of config/plans/lai-chau-pcmd-2021-2025.yaml (refs V.<item>.<n>, V.BC,
II.<group>.a.<n> with a, b, c for several thresholds in one bullet; verbatim texts; `request` for
"Đề nghị ..."; cooperating bodies only where named). Every guess gets a note (a review mark).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from models.errors import Refused
from models.intake.draft.duties import RawDuty, read_section, title_of
from models.intake.draft.header import Header, read_header
from models.intake.draft.model import Draft, Entry
from models.intake.draft.registry import Registry
from models.intake.draft.structure import Section, paragraphs, split_sections
from models.intake.draft.targets import thresholds
from models.intake.draft.text import ascii_slug, fold

SECTION_WORDS = "tổ chức thực hiện"
REPORTING_GROUP = "reporting-bodies"
_EVIDENCE = {
    "continuous": ["reference", "note"],
    "report": ["file", "reference", "figures"],
    "task": ["file", "reference"],
}
_KIND_WORDS = (
    ("sở ", "department"),
    ("ban ", "department"),
    ("công an", "police"),
    ("bộ chỉ huy", "military"),
    ("báo ", "press"),
    ("đài ", "press"),
    ("viện kiểm sát", "judiciary"),
    ("tòa án", "judiciary"),
    ("ủy ban nhân dân huyện", "district"),
    ("ubnd huyện", "district"),
    ("ủy ban nhân dân xã", "commune"),
    ("ubnd xã", "commune"),
    ("mặt trận", "front"),
    ("hội ", "mass-org"),
    ("đoàn ", "mass-org"),
    ("liên đoàn", "mass-org"),
)


class SectionNotFound(Refused):
    """The document has no "Tổ chức thực hiện" section (or one without numbered items)."""


def draft_catalog(lines: list[str], registry: Registry, code: str) -> Draft:
    """Raises SectionNotFound when the duties' section is missing: without it there is no draft."""
    header_lines, sections = split_sections(lines)
    section = next((s for s in sections if SECTION_WORDS in fold(s.title)), None)
    if section is None:
        raise SectionNotFound(
            "không tìm thấy phần “TỔ CHỨC THỰC HIỆN”: đã tìm một đề mục đánh số La Mã có chữ “Tổ chức thực hiện” "
            "(ví dụ “V. TỔ CHỨC THỰC HIỆN”), nơi kế hoạch giao nhiệm vụ cho từng cơ quan."
        )
    five = read_section(section, registry)
    if not five.duties:
        raise SectionNotFound(
            f"phần “{section.numeral}. {section.title}” không có điểm đánh số (1., 2., ...) nêu cơ quan và nhiệm vụ: "
            "không lập được danh sách nhiệm vụ."
        )
    builder = _Builder(registry, read_header(header_lines))
    return builder.build(code, five, [s for s in sections if s is not section])


class _Builder:
    def __init__(self, registry: Registry, header: Header):
        self.registry, self.header = registry, header
        self.new: dict[str, Entry] = {}  # proposed bodies by code
        self.new_by_name: dict[str, str] = {}
        self.warnings: list[str] = []

    # Bodies ---------------------------------------------------------------------------------
    def _new_body(self, name: str, why: str) -> str:
        key = fold(name)
        if key in self.new_by_name:
            return self.new_by_name[key]
        base = code = ascii_slug(name)
        n = 2
        while code in self.registry.bodies or code in self.registry.groups or code in self.new:
            code, n = f"{base[:37]}-{n}", n + 1
        kind = next((k for words, k in _KIND_WORDS if f"{key} ".startswith(words)), "other")
        entry = Entry({"code": code, "name": name, "kind": kind})
        entry.notes.append(
            f"cơ quan mới, không có trong danh mục hay tệp tổ chức: {why}; mã “{code}” và loại “{kind}” tự đặt "
            "từ tên, hãy kiểm tra (hoặc thay bằng mã của cơ quan đã có)"
        )
        self.new[code], self.new_by_name[key] = entry, code
        return code

    def _head_bodies(self, raw: RawDuty) -> tuple[list[str], list[str]]:
        assert raw.head is not None
        codes: list[str] = []
        notes = []
        for code, _ in raw.head.named:
            if code not in codes:
                codes.append(code)
        for name in raw.head.unknown:
            code = self._new_body(name, f"đầu điểm {raw.ref.split('.')[1]} ghi “{raw.head.text}”")
            if code not in codes:
                codes.append(code)
        named = "; ".join(f"“{w}” → {c}" for c, w in raw.head.named)
        news = ", ".join(raw.head.unknown)
        notes.append(
            f"cơ quan chủ trì theo đầu điểm “{raw.head.text}”: {named or 'không khớp cơ quan nào đã biết'}"
            + (f"; đề xuất cơ quan mới: {news}" if news else "")
        )
        expanded = set(self.registry.expand(codes))
        for name, g in self.registry.groups.items():
            if len(codes) > 1 and set(g.members) == expanded:
                notes.append(f"gộp thành nhóm {name} (đủ các thành viên của nhóm)")
                return [name], notes
        return codes, notes

    # Duties ---------------------------------------------------------------------------------
    def _duty(self, raw: RawDuty, bodies: list[str], leadership: str, notes: list[str]) -> Entry:
        own = set(self.registry.expand(bodies)) | set(bodies)
        cooperating: list[str] = []
        named = []
        for m in self.registry.find(raw.text):
            members = set(self.registry.expand([m.code]))
            if m.code in own or members <= own or m.code == leadership or m.code in cooperating:
                continue
            cooperating.append(m.code)
            named.append(f"“{raw.text[m.start : m.end]}” → {m.code}")
        t = raw.timing
        values: dict[str, Any] = {
            "ref": raw.ref,
            "source": raw.source,
            "title": title_of(raw.text),
            "text": raw.text,
            "bodies": bodies,
            "cooperating": cooperating,
            "nature": t.nature,
            "cadence": t.cadence,
        }
        if t.due is not None:
            values["due"] = t.due
        values["evidence"] = ["reference", "figures"] if raw.sensitive else _EVIDENCE[t.nature]
        if raw.sensitive:
            values["sensitive"] = True
        entry = Entry(values, ["tiêu đề tạm, lấy từ đầu đoạn: hãy viết lại cho ngắn", *notes])
        if raw.head is not None and raw.head.request:
            values["request"] = True
            entry.notes.append("request: true vì đầu điểm mở bằng “Đề nghị”: cơ quan được đề nghị, không được giao")
        if named:
            entry.notes.append("phối hợp (cơ quan được nêu tên trong đoạn): " + "; ".join(named))
        entry.notes.append("; ".join(t.notes))
        entry.notes += raw.notes
        return entry

    # The plan -------------------------------------------------------------------------------
    def _leadership(self) -> tuple[str, str]:
        if self.header.issuer and (found := self.registry.find(self.header.issuer)):
            return found[0].code, f"cơ quan ban hành “{self.header.issuer}” → {found[0].code}"
        leaders = [k.code for k in self.registry.bodies.values() if k.spec and k.spec.kind == "leadership"]
        if leaders:
            return leaders[0], f"không đọc được cơ quan ban hành: lấy {leaders[0]} (cơ quan lãnh đạo trong danh mục)"
        name = self.header.issuer or "Ủy ban nhân dân tỉnh"
        code = self._new_body(name, "cơ quan ban hành kế hoạch")
        self.new[code].values["kind"] = "leadership"
        return code, f"cơ quan ban hành “{name}” → {code} (cơ quan mới)"

    def build(self, code: str, five: Any, others: list[Section]) -> Draft:
        leadership, leadership_note = self._leadership()
        duties: list[Entry] = []
        direct: list[str] = []  # bodies given items directly (not "Đề nghị"): they report
        for raw in five.duties:
            bodies, notes = self._head_bodies(raw)
            duties.append(self._duty(raw, bodies, leadership, notes))
            if raw.head is not None and not raw.head.request:
                direct += [c for c in self.registry.expand(bodies) if c not in direct]
        coordinating, coordinating_note = self._coordinating(five, duties)
        groups: dict[str, Entry] = {}
        if five.closing is not None:
            members = [c for c in direct if c not in (coordinating, leadership)]
            groups[REPORTING_GROUP] = Entry(
                {"members": members},
                [
                    "cơ quan phải báo cáo theo đoạn kết: các cơ quan được giao trực tiếp một điểm (không phải "
                    f"“Đề nghị”), trừ {coordinating} (nơi nhận và tổng hợp báo cáo) và {leadership}"
                ],
            )
            entry = self._duty(five.closing, [REPORTING_GROUP], leadership, ["đoạn kết: nhiệm vụ báo cáo định kỳ"])
            duties.append(entry)
        targets = self._targets(others, coordinating)
        plan, plan_notes = self._plan(code, coordinating, leadership, targets)
        for t in targets:  # no year of its own: the plan's end, as the note says
            t.values["deadline"] = t.values["deadline"] or plan.values["period"]["end"]
        plan_notes["leadership_body"] = [leadership_note]
        plan_notes["coordinating_body"] = [coordinating_note]
        used = self._used(plan.values, duties, targets, groups)
        for name in used["groups"]:
            if name not in groups:
                g = self.registry.groups[name]
                groups[name] = Entry({"members": list(g.members)})
                groups[name].comments.append(f"nhóm lấy từ {g.origin}")
        entries = self._bodies(used["bodies"] | {m for g in groups.values() for m in g.values["members"]})
        matched = [b.values["code"] for b in entries if b.values["code"] not in self.new]
        if not targets:
            self.warnings.append("không tìm thấy chỉ tiêu nào (mục “Chỉ tiêu” ở phần II): bản nháp không có chỉ tiêu")
        return Draft(plan, plan_notes, entries, groups, duties, targets, self.warnings, matched, list(self.new))

    def _coordinating(self, five: Any, duties: list[Entry]) -> tuple[str, str]:
        if five.via is not None:
            return five.via, f"cơ quan thường trực: báo cáo gửi “qua” {five.via} (đoạn kết)"
        for d in duties:
            if fold(d.values["text"]).startswith("tổng hợp báo cáo"):
                body = self.registry.expand(d.values["bodies"])[0]
                return body, f"cơ quan thường trực: {body} tổng hợp báo cáo ({d.values['ref']})"
        first = self.registry.expand(duties[0].values["bodies"])[0]
        return first, f"cơ quan thường trực: {first}, cơ quan của điểm 1 (văn bản không nói rõ)"

    def _plan(self, code: str, coordinating: str, leadership: str, targets: list[Entry]) -> tuple[Entry, dict]:
        h = self.header
        notes: dict[str, list[str]] = {}
        title = h.title or "Kế hoạch (chưa đọc được tên)"
        if h.title is None:
            notes["title"] = ["không đọc được tên kế hoạch: hãy ghi tên"]
        values: dict[str, Any] = {"code": code, "title": title}
        if h.number:
            values["number"] = h.number
        else:
            notes["title"] = [*notes.get("title", []), "không tìm thấy số hiệu (“Số: …/KH-…”): hãy thêm number"]
        if h.issued_on:
            values["issued_on"] = h.issued_on
        else:
            notes["title"] = [*notes.get("title", []), "không tìm thấy ngày ban hành: hãy thêm issued_on"]
        if h.implements:
            values["implements"] = h.implements
        values["period"], notes["period"] = self._period(targets)
        values["coordinating_body"], values["leadership_body"] = coordinating, leadership
        values["reporting"] = {
            "working_days_after_cutoff": 2,
            "basis": "coordinator",
            "source": "Đặt tạm khi lập bản nháp: kế hoạch không nêu ngày nộp báo cáo; cơ quan thường trực phải quyết "
            "định và ghi căn cứ",
        }
        notes["reporting"] = [
            "kế hoạch không nêu ngày nộp báo cáo định kỳ: 02 ngày làm việc sau ngày chốt số liệu chỉ là giá trị tạm; "
            "cơ quan thường trực phải đặt hạn và ghi căn cứ (source). Áp dụng cho mọi nhiệm vụ không có due"
        ]
        return Entry(values), notes

    def _period(self, targets: list[Entry]) -> tuple[dict[str, dt.date], list[str]]:
        h = self.header
        if h.period:
            start = h.issued_on or dt.date(h.period[0], 1, 1)
            why = "ngày ban hành" if h.issued_on else f"ngày 01/01/{h.period[0]} (chưa có ngày ban hành)"
            return {"start": start, "end": dt.date(h.period[1], 12, 31)}, [
                f"thời kỳ theo “giai đoạn {h.period[0]}-{h.period[1]}”: bắt đầu {why}, kết thúc 31/12/{h.period[1]}"
            ]
        years = [t.values["deadline"].year for t in targets if t.values["deadline"]]
        first = h.issued_on or dt.date(min(years, default=2000), 1, 1)
        last = dt.date(max([first.year, *years]), 12, 31)
        return {"start": first, "end": last}, [
            "không tìm thấy “giai đoạn …”: thời kỳ đoán từ ngày ban hành, hạn chỉ tiêu"
        ]

    # Targets --------------------------------------------------------------------------------
    def _targets(self, sections: list[Section], reporter: str) -> list[Entry]:
        out: list[Entry] = []
        for s in sections:
            year = re.search(r"ĐẾN NĂM (\d{4})", s.title.upper())
            item, letter, n, inside = "", "", 0, False
            for p in paragraphs(s.lines):
                if p.kind == "item":
                    item, inside = p.label, False
                elif p.kind == "letter":
                    letter, n, inside = p.label, 0, fold(p.text).startswith("chỉ tiêu")
                elif p.kind == "bullet" and inside:
                    n += 1
                    out += self._bullet_targets(s, f"{item}.{letter}", n, p.text, year, reporter)
        return out

    def _bullet_targets(self, s: Section, where: str, n: int, text: str, year: Any, reporter: str) -> list[Entry]:
        found = thresholds(text)
        if not found:
            self.warnings.append(f"chỉ tiêu {s.numeral}.{where}.{n}: không tìm thấy ngưỡng (% hay số lượng)")
        out = []
        for k, t in enumerate(found):
            suffix = "abcdefghij"[k] if len(found) > 1 else ""
            deadline_year = t.by_year or (int(year.group(1)) if year else None)
            values: dict[str, Any] = {
                "ref": f"{s.numeral}.{where}.{n}{suffix}",
                "source": f"Mục {s.numeral}, điểm {where}, gạch đầu dòng thứ {n}",
                "text": text,
                "measure": t.measure[0].upper() + t.measure[1:],
                "unit": t.unit,
                "threshold": int(t.value) if t.value.is_integer() else t.value,
            }
            if t.upper is not None:
                values["upper"] = int(t.upper) if t.upper.is_integer() else t.upper
            values["per"] = t.per
            values["deadline"] = dt.date(deadline_year, 12, 31) if deadline_year else None
            values["reported_by"] = [reporter]
            notes = ["measure lấy nguyên mệnh đề chứa ngưỡng: hãy viết lại điều được đo", *t.notes]
            if t.unit != "count":  # a rate or a change is sent as counts: say which
                values["numerator"] = f"Số {t.measure[0].lower()}{t.measure[1:]}"
                notes.append("numerator: điều cơ quan đếm và gửi (tử số); hãy viết lại cho rõ")
            if t.unit == "percent":
                values["denominator"] = "Tổng số"
                notes.append("denominator: tỷ lệ này là của tổng số nào (mẫu số); hãy ghi rõ")
            entry = Entry(values, notes)
            if deadline_year is None:
                entry.notes.append("không tìm thấy năm đích (“đến năm …”): deadline đặt bằng ngày kết thúc kế hoạch")
            entry.notes.append(f"reported_by: tạm để cơ quan thường trực {reporter}; hãy chọn cơ quan báo cáo số liệu")
            out.append(entry)
        return out

    def _used(self, plan: dict, duties: list[Entry], targets: list[Entry], groups: dict) -> dict[str, set[str]]:
        codes = {plan["coordinating_body"], plan["leadership_body"]}
        for d in duties:
            codes |= set(d.values["bodies"]) | set(d.values["cooperating"])
        for t in targets:
            codes |= set(t.values["reported_by"])
        names = {c for c in codes if c in self.registry.groups or c in groups}
        return {"groups": names, "bodies": codes - names}

    def _bodies(self, codes: set[str]) -> list[Entry]:
        """The bodies used, with their parents, in the registry's order, then the new ones."""
        todo, seen = list(codes), set()
        while todo:
            code = todo.pop()
            if code in seen:
                continue
            seen.add(code)
            known = self.registry.bodies.get(code)
            if known and known.spec and known.spec.parent:
                todo.append(known.spec.parent)
        out = []
        for code, known in self.registry.bodies.items():
            if code in seen and known.spec is not None:
                entry = Entry(known.spec.model_dump(mode="json", exclude_none=True))
                entry.comments.append(f"cơ quan đã có, lấy từ {known.origin}")
                if known.from_organisation:
                    entry.notes.append(
                        "cơ quan này chỉ có trong tệp tổ chức, mà tệp tổ chức không nhận cơ quan trùng mã với một danh "
                        "mục: khi nạp danh mục này, chuyển cơ quan sang danh mục (ngày hiệu lực để ở lifetimes)"
                    )
                out.append(entry)
        out += [e for c, e in self.new.items() if c in seen]
        return out
