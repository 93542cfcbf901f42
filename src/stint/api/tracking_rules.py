"""The account's entry rules: everyone may read them (the apps explain refusals with them), admins change them."""

from __future__ import annotations

from typing import Annotated

from ninja import Router, Schema, Status
from pydantic import Field

from stint.api.auth import ApiRequest
from stint.api.schemas import errors
from stint.tracking import selectors, services
from stint.tracking.models import TrackingRules

router = Router(tags=["Tracking"])

# Wide bounds: numbers a database column can hold reach the service, whose 422 explains the real limits; anything
# beyond is malformed (400), never an overflow.
Wide = Annotated[int, Field(ge=-(10**9), le=10**9)]


class TrackingRulesOut(Schema):
    max_record_s: int
    max_days_ahead: int
    require_work_item: bool
    require_activity_type: bool
    require_comment: bool

    @staticmethod
    def of(rules: TrackingRules) -> dict:
        return {
            "max_record_s": rules.max_record_s,
            "max_days_ahead": rules.max_days_ahead,
            "require_work_item": rules.require_work_item,
            "require_activity_type": rules.require_activity_type,
            "require_comment": rules.require_comment,
        }


class TrackingRulesPatch(Schema):
    max_record_s: Wide | None = Field(None, description="From 900 (15 minutes) to 604800 (7 days).")
    max_days_ahead: Wide | None = Field(None, description="0 (nothing in the future) to 365.")
    require_work_item: bool | None = None
    require_activity_type: bool | None = None
    require_comment: bool | None = None


@router.get("/tracking-rules", response={200: TrackingRulesOut, **errors(401)})
def tracking_rules_get(request: ApiRequest):
    """The entry rules every new or changed time record of the account is checked against."""
    return TrackingRulesOut.of(selectors.tracking_rules(account=request.account))


@router.patch("/tracking-rules", response={200: TrackingRulesOut, **errors(400, 401, 403, 422)})
def tracking_rules_update(request: ApiRequest, payload: TrackingRulesPatch):
    """Change some of the rules (admins). A field sent as null is left as it is."""
    changes = {name: value for name, value in payload.dict(exclude_unset=True).items() if value is not None}
    rules = services.tracking_rules_update(account=request.account, actor=request.user, **changes)
    return Status(200, TrackingRulesOut.of(rules))
