"""Writes of tracking data: the catalog (work items, activity types), time records and the timer."""

from stint.tracking.services.catalog import (
    account_tracking_setup,
    activity_type_create,
    activity_type_delete,
    activity_type_update,
    favorite_activity_set,
    work_item_create,
    work_item_delete,
    work_item_update,
)
from stint.tracking.services.records import (
    BATCH_MAX,
    BatchInvalid,
    RecordSpec,
    time_record_check,
    time_record_create,
    time_record_update,
    time_records_create,
    time_records_delete,
    time_records_update,
)
from stint.tracking.services.rules import tracking_rules_update
from stint.tracking.services.timer import (
    timer_discard,
    timer_start,
    timer_stop,
    timer_update,
    timers_stop_overlong,
)

__all__ = [
    "BATCH_MAX",
    "BatchInvalid",
    "RecordSpec",
    "account_tracking_setup",
    "activity_type_create",
    "activity_type_delete",
    "activity_type_update",
    "favorite_activity_set",
    "time_record_check",
    "time_record_create",
    "time_record_update",
    "time_records_create",
    "time_records_delete",
    "time_records_update",
    "timer_discard",
    "timer_start",
    "timer_stop",
    "timer_update",
    "timers_stop_overlong",
    "tracking_rules_update",
    "work_item_create",
    "work_item_delete",
    "work_item_update",
]
