"""Schemathesis hooks for Switchboard (loaded by run.py via SCHEMATHESIS_HOOKS).

`accepts_schema_valid_data` is Schemathesis' own `positive_data_acceptance`
with one difference: a 422 whose every error carries a code for a rule no
OpenAPI schema can state is not a mismatch. Those codes name facts about the
server's records and clock, or rules between two fields:

  unknown       an id that names no record (or not one of this contact's),
                a cursor this server did not issue
  duplicate     a value another record already holds
  unassigned    a phone number of the right shape the numbering plan has not
                assigned
  past, too_far a time before now, or too far after it
  order         a time or range that must come after another field's
  overlap       a range that overlaps another in the same list
  incomplete    a field needed because of another field's value
  inconsistent  a field another field's value rules out
  mismatch      a reference to a record of the wrong kind (a voice queue for
                a chat rule, an action a channel does not have)
  unusable      a key or regular expression its library cannot use
  not_offered   a topic not offered as the meeting type asked for
  not_started   a meeting marked as a no-show before it has started
  no_route      no routing rule matches and no queue is the default
  inactive, role, not_voice
                a referenced agent that is deactivated or lacks the role, a
                queue of the wrong channel
  number_type, international_network, not_allowed, daily_cap
                the operator's dialling policy refuses the number

Everything else (types, lengths, patterns, ranges, required members, enums)
is in the document, and a 422 on it fails the run. docs/security.md.
"""
import json

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

STATE_CODES = {
    "unknown", "duplicate", "unassigned", "past", "too_far", "order", "overlap",
    "incomplete", "inconsistent", "mismatch", "unusable", "inactive", "role", "not_voice",
    "not_offered", "not_started", "no_route",
    "number_type", "international_network", "not_allowed", "daily_cap",
}


def _state_only(response):
    if response.status_code != 422:
        return False
    try:
        errors = json.loads(response.content).get("errors") or []
    except (ValueError, AttributeError):
        return False
    return bool(errors) and all(e.get("code") in STATE_CODES for e in errors)


@schemathesis.check
def accepts_schema_valid_data(ctx, response, case):
    if _state_only(response):
        return None
    return positive_data_acceptance(ctx, response, case)
