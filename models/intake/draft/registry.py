"""The bodies a draft can name: those of the existing catalogs (config/plans) and of the
organisation file, each findable by its name, its short name and their usual variants ("Ủy ban
nhân dân" / "UBND", with or without "Việt Nam"), and the catalogs' groups of districts by the
words plans use for them ("UBND các huyện, thành phố"). Pure: built from parsed files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.intake.catalog.schema import BodyKind, BodySpec, Catalog
from models.intake.draft.text import fold, words
from models.intake.organisation import Organisation

# The words a plan uses for all the districts at once; a group whose members are all districts
# answers to them.
_DISTRICT_GROUP_WORDS = (
    "Ủy ban nhân dân các huyện, thành phố",
    "UBND các huyện, thành phố",
    "Ủy ban nhân dân các huyện, thị xã, thành phố",
    "UBND các huyện, thị xã, thành phố",
    "UBND huyện, thành phố",
    "Ủy ban nhân dân cấp huyện",
    "UBND cấp huyện",
)


@dataclass(frozen=True)
class Known:
    code: str
    spec: BodySpec | None  # None for a group
    origin: str  # the file it comes from
    members: tuple[str, ...] = ()  # a group's bodies
    from_organisation: bool = False  # defined by the organisation file, not a catalog


@dataclass(frozen=True)
class Match:
    code: str
    start: int  # the span of the words that named it, in the text searched
    end: int


@dataclass
class Registry:
    bodies: dict[str, Known] = field(default_factory=dict)
    groups: dict[str, Known] = field(default_factory=dict)
    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)  # folded words -> body or group code
    prefixes: set[tuple[str, ...]] = field(default_factory=set)

    @classmethod
    def build(cls, catalogs: list[tuple[str, Catalog]], organisation: Organisation | None = None) -> Registry:
        """`catalogs`: (file, catalog). The first definition of a code wins, and the catalogs come
        before the organisation file: a plan's own names are the ones plans use."""
        reg = cls()
        for origin, catalog in catalogs:
            for body in catalog.bodies:
                reg._add_body(body, origin)
        if organisation is not None:
            for entry in organisation.bodies:
                spec = BodySpec(
                    code=entry.code, name=entry.name, short_name=entry.short_name, kind=entry.kind, parent=entry.parent
                )
                reg._add_body(spec, organisation.path.name, from_organisation=True)
        for origin, catalog in catalogs:
            for name, members in catalog.groups.items():
                if name in reg.groups or name in reg.bodies:
                    continue
                reg.groups[name] = Known(name, None, origin, tuple(members))
                specs = [reg.bodies[m].spec for m in members if m in reg.bodies]
                kinds = {spec.kind for spec in specs if spec is not None}
                if kinds == {BodyKind.district}:
                    for phrase in _DISTRICT_GROUP_WORDS:
                        reg._add_phrase(phrase, name)
        return reg

    def _add_body(self, body: BodySpec, origin: str, from_organisation: bool = False) -> None:
        if body.code in self.bodies:
            return
        self.bodies[body.code] = Known(body.code, body, origin, from_organisation=from_organisation)
        for name in filter(None, (body.name, body.short_name)):
            for variant in _variants(name):
                self._add_phrase(variant, body.code)

    def _add_phrase(self, text: str, code: str) -> None:
        key = tuple(fold(text).split())
        if not key or key in self.phrases:
            return
        self.phrases[key] = code
        for n in range(1, len(key)):
            self.prefixes.add(key[:n])

    def expand(self, codes: list[str]) -> list[str]:
        out: list[str] = []
        for code in codes:
            for member in self.groups[code].members if code in self.groups else (code,):
                if member not in out:
                    out.append(member)
        return out

    def find(self, text: str) -> list[Match]:
        """Every body or group named in `text`, longest names first, in the order of the text."""
        ws = words(text)
        longest = max((len(k) for k in self.phrases), default=0)
        found: list[Match] = []
        i = 0
        while i < len(ws):
            for n in range(min(longest, len(ws) - i), 0, -1):
                code = self.phrases.get(tuple(w.folded for w in ws[i : i + n]))
                if code is not None:
                    found.append(Match(code, ws[i].start, ws[i + n - 1].end))
                    i += n
                    break
            else:
                i += 1
        return found

    def incomplete(self, text: str) -> bool:
        """Whether `text` ends inside a name: its last words begin a known name they do not
        complete ("Sở", "Đoàn Thanh niên Cộng sản Hồ"). Tells a wrapped head from its first duty."""
        folded = tuple(fold(text).split())
        for n in range(1, min(len(folded), 8) + 1):
            tail = folded[-n:]
            if tail in self.phrases:
                return False
            if tail in self.prefixes:
                return True
        return False


def _variants(name: str) -> list[str]:
    """A name as plans write it: "Ủy ban nhân dân" or "UBND", "Ủy ban Mặt trận Tổ quốc Việt Nam
    tỉnh" or "Mặt trận Tổ quốc tỉnh"."""
    out = [name]
    folded = fold(name)
    if "ủy ban nhân dân" in folded:
        out.append(folded.replace("ủy ban nhân dân", "ubnd"))
    if "ubnd" in folded.split():
        out.append(folded.replace("ubnd", "ủy ban nhân dân"))
    if "việt nam" in folded:
        out.append(folded.replace(" việt nam", ""))
    if folded.startswith("ủy ban mặt trận"):
        out += [v.removeprefix("ủy ban ") for v in (folded, folded.replace(" việt nam", ""))]
    if " thành phố " in f" {folded} ":
        out.append(f" {folded} ".replace(" thành phố ", " tp ").strip())
    return out
