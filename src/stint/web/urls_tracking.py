"""The tracking pages and the small session-authenticated JSON views their scripts call."""

from django.urls import path, re_path

from stint.web.views import tracking_import, tracking_month, tracking_records, tracking_timer, tracking_week

urlpatterns = [
    path("tracking/timer/", tracking_timer.timer_state, name="timer_state"),
    path("tracking/timer/start/", tracking_timer.timer_start, name="timer_start"),
    path("tracking/timer/stop/", tracking_timer.timer_stop, name="timer_stop"),
    path("tracking/work-items/", tracking_timer.work_item_search, name="work_item_search"),
    path("week/", tracking_week.week, name="week"),
    path("tracking/week/cell/", tracking_week.week_cell, name="week_cell"),
    path("month/", tracking_month.month, name="month"),
    path("records/", tracking_records.records, name="records"),
    path("records/new/", tracking_month.record_new, name="record_new"),
    path("records/<int:record_id>/edit/", tracking_month.record_edit, name="record_edit"),
    path("records/<int:record_id>/delete/", tracking_month.record_delete, name="record_delete"),
    path("records/bulk/", tracking_records.records_bulk, name="records_bulk"),
    re_path(r"^records/export\.(?P<fmt>csv|xlsx)$", tracking_records.records_export, name="records_export"),
    path("records/import/", tracking_import.records_import, name="records_import"),
]
