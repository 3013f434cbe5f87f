"""The pure reminder decision: which step is due at `now`."""

from __future__ import annotations

import pytest

from config import CONFIG_DIR
from models.errors import InputError
from models.rules.policy import Override, Policy, due_steps
from models.tables.assignment import State
from tests.clock import TZ, at
from tests.factories import assignment

POLICY = Policy.from_file(CONFIG_DIR / "policy.yaml")


def names(assignment, now, ref="V.1.1", policy=POLICY, calendar=None):
    return [s.name for s in due_steps(assignment, ref, policy, now, calendar, TZ)]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2025-06-06", []),
        ("2025-06-09", ["T-7"]),
        ("2025-06-12", ["T-7"]),
        ("2025-06-13", ["T-3"]),
        ("2025-06-15", ["T-3"]),
        ("2025-06-17", ["T-1"]),
        ("2025-06-18", ["D0"]),
        ("2025-06-20", []),
        ("2025-06-23", ["D+3"]),
        ("2025-06-26", ["D+6"]),
        ("2025-07-01", ["D+9"]),
    ],
)
def test_steps_by_day(calendar, now, expected):
    assert names(assignment(), at(now), calendar=calendar) == expected


def test_nags_fade_after_two_weeks(calendar):
    """Every 3 working days while the item is fresh, then weekly (config/policy.yaml)."""
    due = calendar.roll_forward(assignment().due)
    days = [calendar.add_working_days(due, n) for n in range(1, 31)]
    nags = {step for day in days for step in names(assignment(), at(day), calendar=calendar)}
    assert sorted(nags, key=lambda s: int(s[2:])) == ["D+3", "D+6", "D+9", "D+14", "D+19", "D+24", "D+29"]
    never = POLICY.model_copy(update={"reminders": POLICY.reminders.model_copy(update={"fade_after": None})})
    assert names(assignment(), at(days[-1]), policy=never, calendar=calendar) == ["D+30"]


def test_nothing_for_a_submitted_or_accepted_duty_and_again_once_returned(calendar):
    assert names(assignment(state=State.submitted), at("2025-06-23"), calendar=calendar) == []
    assert names(assignment(state=State.accepted), at("2025-06-23"), calendar=calendar) == []
    assert names(assignment(state=State.returned), at("2025-06-23"), calendar=calendar) == ["D+3"]


def test_an_extension_moves_the_steps(calendar):
    # Due 30/6 instead of 18/6: on 23/6 it is T-7 (19/6), not D+3.
    assert names(assignment(extended="2025-06-30"), at("2025-06-23"), calendar=calendar) == ["T-7"]
    assert names(assignment(extended="2025-06-30"), at("2025-06-27"), calendar=calendar) == ["T-1"]


def test_per_duty_override(calendar):
    assert names(assignment(), at("2025-06-04"), ref="V.BC", calendar=calendar) == ["T-10"]  # V.BC starts earlier
    policy = POLICY.model_copy(update={"overrides": {"X": Override(overdue_every=1)}})
    assert names(assignment(), at("2025-06-19"), ref="X", policy=policy, calendar=calendar) == ["D+1"]


def test_steps_across_tet(calendar):
    # Due Monday 3/2/2025, right after Tết: T-1 is Friday 24/1, before the holidays.
    assert names(assignment(due="2025-02-03"), at("2025-01-24"), calendar=calendar) == ["T-1"]
    assert names(assignment(due="2025-02-03"), at("2025-01-30"), calendar=calendar) == ["T-1"]


def test_quiet_hours_push_sms_to_the_morning():
    assert POLICY.outside_quiet_hours(at("2025-06-03", 22), TZ) == at("2025-06-04", 7)
    assert POLICY.outside_quiet_hours(at("2025-06-03", 5), TZ) == at("2025-06-03", 7)
    assert POLICY.outside_quiet_hours(at("2025-06-03", 9), TZ) == at("2025-06-03", 9)


def test_a_bad_policy_names_the_line(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("reminders:\n  steps: [-3, 2]\ndelivery:\n  concurrency: 0\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        Policy.from_file(path)
    assert {(p.code, p.line) for p in caught.value.problems} == {("invalid-policy", 2), ("invalid-policy", 4)}


def test_escalation_ladders_are_data_per_plan_and_per_duty(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(
        "escalation:\n"
        "  plans:\n"
        "    other-plan: [{level: 1, after: 5, notify: [coordinator]}]\n"
        "  duties:\n"
        "    V.BC: [{level: 1, after: 2, notify: [head]}, {level: 2, after: 4, notify: [leadership]}]\n",
        encoding="utf-8",
    )
    esc = Policy.from_file(path).escalation
    assert [(lv.after, lv.notify) for lv in esc.ladder("lai-chau-pcmd-2021-2025", "V.1.1")] == [
        (1, ["head", "coordinator"]),
        (10, ["leadership"]),
    ]  # the defaults
    assert [lv.after for lv in esc.ladder("other-plan", "V.1.1")] == [5]
    assert [lv.after for lv in esc.ladder("other-plan", "V.BC")] == [2, 4]  # the duty's wins
    for second, line, message in (
        ("{level: 2, after: 3, notify: [leadership]}", 2, "strictly increasing"),
        ("{level: 2, after: 12, notify: [mayor]}", 4, "notify[0]"),
    ):
        path.write_text(
            f"escalation:\n  levels:\n    - {{level: 1, after: 10, notify: [head]}}\n    - {second}\n", encoding="utf-8"
        )
        with pytest.raises(InputError) as caught:
            Policy.from_file(path)
        (problem,) = caught.value.problems
        assert problem.line == line and message in str(problem)
