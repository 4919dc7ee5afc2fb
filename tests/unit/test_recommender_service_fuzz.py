"""Property-based tests of the recommender service, generated from its OpenAPI schema.

schemathesis draws requests from the schema (valid ones, and with its negative-data phase
invalid ones too) and checks every answer: never a 5xx, status codes and bodies as documented,
content types as declared. Bounded: a few dozen examples per operation, so this runs in seconds.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from recommender_fakes import make_app
from schemathesis.specs.openapi.checks import positive_data_acceptance

schema = schemathesis.openapi.from_asgi("/openapi.json", make_app())


@schema.parametrize()
# New examples on every run (not derandomized): a planted 500 for k=7 was found this way and not
# with fixed examples; a failure is a real finding, printed with a curl line that reproduces it.
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_5xx_and_answers_match_the_schema(case) -> None:
    # A schema-valid id that no store knows is refused with a documented 422 (unknown user), so
    # "every valid request gets a 2xx" does not hold by design; every other check runs.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
