"""The crisis drill's pure parts (devtools/drill.py): the plan (SCALE → what to attempt), the
team's edits, the comparison with /admin/stats and its exit status. The drill itself runs
against a throwaway stack in tests/integration/test_drill.py."""

from __future__ import annotations

import ipaddress

import pytest

from devtools.drill import (
    MISSING,
    REPORT,
    Row,
    Tally,
    assign_team_edits,
    compare,
    difference,
    exit_status,
    make_plan,
    public_addresses,
    render_table,
    scaled,
)


def test_scaled_rounds_half_up_and_never_below_one() -> None:
    assert scaled(4333, 0.05) == 217  # 216.65
    assert scaled(3575, 0.05) == 179  # 178.75
    assert scaled(467, 0.05) == 23  # 23.35
    assert scaled(10, 0.05) == 1  # 0.5 rounds up, not to even
    assert scaled(30, 0.05) == 2  # 1.5 → 2
    assert scaled(50, 0.05) == 3  # 2.5 → 3 (banker's rounding would say 2)
    assert scaled(885, 0.0001) == 1  # 0.09: at least one


def test_the_plan_at_005_scales_every_report_figure() -> None:
    plan = make_plan(0.05)
    assert plan.team_places == 217
    assert plan.temporary_messages == 134
    assert plan.temporary_hours == 23
    assert plan.temporary_closures == 179
    assert plan.self_updates == 41
    assert plan.places_added == 44
    assert plan.submission_departments == 4
    assert plan.submissions_rejected == 4
    assert plan.searches == 2603
    assert plan.listings == 260
    assert plan.export_downloads == 38
    assert plan.exports == 2
    assert plan.subscribers == 1620
    assert 1 <= plan.batch_places <= min(plan.temporary_closures, plan.temporary_messages)


def test_the_plan_at_full_scale_is_the_report() -> None:
    plan = make_plan(1)
    assert plan.team_places == REPORT["team_edits"]
    assert plan.temporary_closures == REPORT["temporary_closures_signalled"]
    assert plan.subscribers == REPORT["newsletters_sent"]
    assert plan.submission_departments == 78


def test_a_tiny_plan_still_does_one_of_everything() -> None:
    plan = make_plan(0.0001)
    counts = [value for name, value in vars(plan).items() if name != "scale"]
    assert all(count >= 1 for count in counts)
    assert plan.submission_departments <= plan.places_added


@pytest.mark.parametrize("scale", [0.0001, 0.002, 0.05, 0.3, 1.0])
def test_team_edits_set_exactly_the_planned_figures(scale: float) -> None:
    plan = make_plan(scale)
    ids = [f"p{number}" for number in range(plan.team_places + 5)]
    edits = assign_team_edits(plan, ids)
    assert len({edit.place_id for edit in edits}) == plan.team_places
    assert sum(edit.closure for edit in edits) == plan.temporary_closures
    assert sum(edit.message for edit in edits) == plan.temporary_messages
    assert sum(edit.hours for edit in edits) == plan.temporary_hours
    # A batch applies one patch (closure and message) to all its places.
    assert all(edit.closure and edit.message and not edit.hours for edit in edits if edit.batch)


def test_team_edits_refuse_too_few_places() -> None:
    plan = make_plan(0.05)
    with pytest.raises(ValueError, match="217 places needed"):
        assign_team_edits(plan, ["p1", "p2"])


def test_public_addresses_are_distinct_loopback_addresses() -> None:
    addresses = public_addresses(2000, offset=123_456)
    assert len(set(addresses)) == 2000
    assert all(ipaddress.ip_address(address).is_loopback for address in addresses)
    assert "127.0.0.1" not in addresses  # the admin's own address stays apart


def test_differences_are_deltas_and_departments_per_key() -> None:
    before = {"searches": 10, "places_added_by_department": {"75": 2}}
    after = {"searches": 25, "places_added_by_department": {"75": 3, "13": 1}}
    assert difference(before, after, "searches") == 15
    assert difference(before, after, "places_added_by_department") == {"13": 1, "75": 1}
    assert difference({}, {"searches": 4}, "searches") == 4


def test_a_figure_that_agrees_makes_exit_zero() -> None:
    rows = compare(
        {"searches": 5, "team_edits": 2}, {"searches": 1}, {"searches": 6, "team_edits": 2}
    )
    assert [row.agrees for row in rows] == [True, True]
    assert exit_status(rows, unexpected=0) == 0


def test_a_disagreement_makes_exit_non_zero() -> None:
    rows = compare({"searches": 5}, {"searches": 1}, {"searches": 5})
    assert rows[0].reported == 4
    assert not rows[0].agrees
    assert exit_status(rows, unexpected=0) == 1


def test_a_missing_field_is_a_disagreement_and_says_so() -> None:
    rows = compare({"mails_sent": 12}, {}, {"searches": 3})
    assert rows[0].reported == MISSING
    assert not rows[0].agrees
    assert exit_status(rows, unexpected=0) == 1
    assert "n/a (field missing)" in render_table(rows)


def test_an_unexpected_status_makes_exit_non_zero_even_when_figures_agree() -> None:
    rows = [Row("searches", 1, 1, 1, agrees=True)]
    assert exit_status(rows, unexpected=1) == 1
    assert exit_status([], unexpected=0) == 1  # nothing compared is no success


def test_the_table_is_aligned_text_with_one_line_per_figure() -> None:
    rows = compare(
        {"searches": 2603, "places_added_by_department": {"13": 2, "29": 1}},
        {"searches": 7},
        {"searches": 2610, "places_added_by_department": {"13": 2, "29": 1}},
    )
    lines = render_table(rows).splitlines()
    assert len(lines) == 2 + len(rows)
    assert len({len(line) for line in lines}) == 1
    assert "2 departments, 3 places" in lines[3]
    assert lines[2].split()[-1] == "yes"


def test_expected_figures_come_from_what_was_done() -> None:
    tally = Tally()
    tally.team_places = {"a", "b"}
    tally.self_update_places = {"c"}
    tally.added_places = {"d"}
    tally.temporary_hours_places = {"a"}
    tally.campaign_mails, tally.decision_mails = 3, 2
    tally.confirmation_mails, tally.newsletters_queued = 5, 4
    expected = tally.expected()
    assert expected["team_edits"] == 2
    assert expected["places_updated"] == 4
    assert expected["places_given_temporary_hours"] == 1
    assert expected["mails_sent"] == 3 + 2 + 5 + 4
