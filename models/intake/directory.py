"""The contact directory: CSV or XLSX with columns body,name,role,email,phone, and optionally
coordinator (x, có or yes marks someone outside the coordinating body who may review) and position
(the person's title as a letter addresses them: "Phó Chủ tịch Ủy ban nhân dân tỉnh").

This module reads and checks; models/operations/directory.py writes. The whole file is checked
first; one bad row refuses the file, naming every bad row. A valid file is the directory of the
bodies it names: their contacts not in it are deactivated (kept for history).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from models.errors import DirectoryError, Problem
from models.tables.org import Role

COLUMNS = ("body", "name", "role", "email", "phone")


OPTIONAL = ("coordinator", "position")


YES, NO = {"x", "yes", "có", "co", "1", "true"}, {"", "no", "không", "khong", "0", "false"}


@dataclass(frozen=True)
class ContactRow:
    row: int  # as a spreadsheet numbers it: the header is row 1
    body: str
    name: str
    role: Role
    email: str | None
    phone: str | None
    coordinator: bool = False
    position: str | None = None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a numeric cell
    return " ".join(str(value).split())


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(row number, cells by column) for every non-blank row. Raises DirectoryError."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")  # with or without a BOM
        except UnicodeDecodeError as exc:
            raise DirectoryError([Problem(name, "encoding", "", None, f"not UTF-8 ({exc.reason})")]) from exc
        try:
            table = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise DirectoryError([Problem(name, "csv-syntax", "", None, str(exc))]) from exc
    elif suffix == ".xlsx":
        from openpyxl import load_workbook  # slow to import; only for spreadsheets

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise DirectoryError([Problem(name, "unreadable", "", None, f"not a readable XLSX file ({exc})")]) from exc
        table = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
        workbook.close()
    else:
        raise DirectoryError([Problem(name, "unsupported-format", "", None, "use a .csv or .xlsx file")])

    if not table:
        raise DirectoryError([Problem(name, "empty-file", "", None, "the file is empty")])
    header = [_cell(h).lower() for h in table[0]]
    while header and not header[-1]:
        header.pop()
    missing = [c for c in COLUMNS if c not in header]
    extra = [h for h in header if h not in COLUMNS + OPTIONAL]
    if missing or extra or len(set(header)) != len(header):
        wrong = {
            f"missing {', '.join(missing)}": missing,
            f"unknown {', '.join(extra)}": extra,
            "a column is repeated": len(set(header)) != len(header),
        }
        detail = "; ".join(what for what, found in wrong.items() if found)
        raise DirectoryError(
            [Problem(name, "bad-header", "row 1", 1, f"the header must be {','.join(COLUMNS)} ({detail})")]
        )
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        cells = [_cell(v) for v in raw]
        if not any(cells):
            continue
        if len(cells) > len(header) and any(cells[len(header) :]):
            rows.append((number, {"__extra__": "1"}))
            continue
        rows.append((number, {col: (cells[i] if i < len(cells) else "") for i, col in enumerate(header)}))
    if not rows:
        raise DirectoryError([Problem(name, "empty-file", "", None, "the file has a header but no rows")])
    return rows


def parse_directory(path: Path, body_codes: set[str]) -> list[ContactRow]:
    """Validate every row; raise DirectoryError listing all the bad ones."""
    name = str(path)
    problems: list[Problem] = []
    contacts: list[ContactRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, cells in read_rows(path):

        def bad(code: str, message: str, n=number) -> None:
            problems.append(Problem(name, code, f"row {n}", n, message))

        if "__extra__" in cells:
            bad("extra-cells", "the row has more cells than the header")
            continue
        before = len(problems)
        body, person, role_text = cells["body"], cells["name"], cells["role"].lower()
        if body not in body_codes:
            bad("unknown-body", f"unknown body code '{body}'" if body else "the body code is empty")
        if not person:
            bad("missing-name", "the name is empty")
        role = Role(role_text) if role_text in Role.__members__ else None
        if role is None:
            bad("invalid-role", f"role '{cells['role']}' is not one of focal, head, leader")
        email = phone = None
        if cells["email"]:
            try:
                # Lower case: mail systems treat addresses so, and an address whose case changed
                # between two imports must stay the same recipient (the outbox dedupes on it).
                email = validate_email(cells["email"], check_deliverability=False).normalized.lower()
            except EmailNotValidError as exc:
                bad("invalid-email", f"email '{cells['email']}': {exc}")
        if cells["phone"]:
            phone = normalize_phone(cells["phone"])
            if phone is None:
                bad("invalid-phone", f"phone '{cells['phone']}' is not a valid Vietnamese number")
        mark = cells.get("coordinator", "").lower()
        if mark not in YES | NO:
            bad("invalid-coordinator", f"coordinator '{cells['coordinator']}': write x (or có, yes) or leave empty")
        if not cells["email"] and not cells["phone"]:
            bad("no-channel", "give an email or a phone number, or both")
        key = (body, role_text, person.casefold())
        if key in seen:
            bad("duplicate-contact", f"the same body, role and name as row {seen[key]}")
        seen.setdefault(key, number)
        if len(problems) == before and role is not None:
            position = cells.get("position") or None
            contacts.append(ContactRow(number, body, person, role, email, phone, mark in YES, position))
    if problems:
        raise DirectoryError(problems)
    return contacts


def normalize_phone(text: str) -> str | None:
    """E.164 (+84...), or None when it is not a valid number. Local forms like 0912 345 678 work."""
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
