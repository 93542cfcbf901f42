"""Import records from CSV or XLSX: upload, see every row with its error, then confirm; all or nothing.

Between preview and confirmation the file waits in the session (at most 5 MB, and only until confirmed)."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from stint.core.errors import StintError
from stint.tracking.importing import import_commit, import_preview
from stint.web.access import MemberRequest, member_required
from stint.web.forms import show_error
from stint.web.forms_tracking import ImportForm

SESSION_KEY = "stint.import"


@member_required
def records_import(request: MemberRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    rows = None
    if request.method == "POST" and request.POST.get("confirm"):
        pending = request.session.get(SESSION_KEY)
        if not pending:
            messages.error(request, "Please choose the file again.")
            return redirect("records_import")
        try:
            count, rows = import_commit(
                account=request.account,
                actor=request.user,
                filename=pending["name"],
                content=base64.b64decode(pending["content"]),
            )
        except StintError as exc:
            show_error(form, exc)
        else:
            if count:
                del request.session[SESSION_KEY]
                messages.success(request, f"{count} record{'s' if count != 1 else ''} imported.")
                return redirect("records")
        form = ImportForm()
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            rows = import_preview(account=request.account, actor=request.user, filename=upload.name, content=content)
        except StintError as exc:
            show_error(form, exc)
        else:
            request.session[SESSION_KEY] = {"name": upload.name, "content": base64.b64encode(content).decode()}
    errors = sum(1 for row in rows if row.error) if rows else 0
    return render(request, "web/tracking/import.html", {"form": form, "rows": rows, "errors": errors})
