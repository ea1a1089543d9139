import io

import pytest
from django.core.management import call_command

from scorecards.models import ScorecardWeek


@pytest.mark.django_db
def test_seed_demo_gives_the_demo_vendors_scorecard_weeks_and_a_second_run_the_same():
    call_command("seed_demo", stdout=io.StringIO())
    first = sorted(ScorecardWeek.objects.values_list("vendor__code", "warehouse__code", "week", "lines_due", "units_shipped"))
    assert {row[0] for row in first} >= {"ACME"}
    call_command("seed_demo", stdout=io.StringIO())
    assert sorted(ScorecardWeek.objects.values_list("vendor__code", "warehouse__code", "week", "lines_due", "units_shipped")) == first
