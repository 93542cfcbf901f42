"""Help: the documentation (readable without logging in), bug reports and the feature request board."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from stint.core.errors import StintError
from stint.support import selectors, services
from stint.support.diagnostics import ClientDiagnostics, diagnostics_collect, diagnostics_rows, error_ids_clean
from stint.support.docs import doc_image, doc_navigation, doc_page, docs_search
from stint.support.forms import BugReportForm, CommentForm, FeatureRequestForm, ReplyForm, VoteForm
from stint.support.models import FeatureStatus
from stint.web.access import MemberRequest, member_required
from stint.web.forms import show_error

# --- the Help page ---


@member_required
def help_index(request: MemberRequest) -> HttpResponse:
    account = request.account
    return render(
        request,
        "web/help/index.html",
        {
            "level": selectors.support_level(edition=account.edition),
            "onprem": settings.STINT_MODE == "onprem",
            "reports": selectors.bug_reports_visible(account=account, membership=request.membership).order_by(
                "-created_at", "-pk"
            )[:5],
            "top_features": selectors.feature_board_by_votes(user=request.user)[:5],
        },
    )


# --- documentation: public, like any product's docs; nothing in docs/ is secret ---


def docs_page(request: HttpRequest, slug: str = "") -> HttpResponse:
    if slug.strip("/") == "index":  # docs/index.md is the start page, at one address
        return redirect("help_docs", permanent=True)
    page = doc_page(slug.strip("/"))
    if page is None:
        raise Http404("There is no such page in the documentation.")
    return render(request, "web/help/docs.html", {"page": page, "navigation": doc_navigation()})


def docs_image(request: HttpRequest, name: str) -> FileResponse:
    found = doc_image(name)
    if found is None:
        raise Http404("There is no such image in the documentation.")
    path, content_type = found
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=3600"
    return response


def docs_search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    hits = docs_search(query) if query else []
    return render(request, "web/help/search.html", {"query": query, "hits": hits, "navigation": doc_navigation()})


# --- bug reports ---


def _client_diagnostics(
    request: MemberRequest, *, page: str, time_zone: str, error_ids: list[str]
) -> ClientDiagnostics:
    return ClientDiagnostics(
        browser=request.headers.get("User-Agent", ""),
        time_zone=time_zone,
        page=page,
        error_ids=tuple(error_ids),
    )


@member_required
def bug_report_new(request: MemberRequest) -> HttpResponse:
    """The form, with the diagnostics it will attach listed beside it. `?error_id=` (from the error page) and
    `?from=` (the page the person was on) prefill them."""
    if request.method == "POST":
        form = BugReportForm(request.POST)
    else:
        quoted = error_ids_clean([request.GET.get("error_id", "")])
        ids = list(error_ids_clean([*quoted, *selectors.recent_error_ids(user=request.user)]))
        referer = request.GET.get("from", "") or request.headers.get("Referer", "")
        form = BugReportForm(initial={"diag_page": referer, "diag_error_ids": ",".join(ids)})
    data = form.data if form.is_bound else {**form.initial}
    given_ids = str(data.get("diag_error_ids", "")).split(",")
    client = _client_diagnostics(
        request,
        page=str(data.get("diag_page", "")),
        time_zone=str(data.get("diag_time_zone", "")),
        error_ids=given_ids,
    )
    diagnostics = diagnostics_collect(account=request.account, membership=request.membership, client=client)
    # What a page (or a link someone edited) put in the hidden field but is no error id is left out, and said so.
    ids_left_out = len({i.strip().lower() for i in given_ids if i.strip()}) > len(diagnostics.get("error_ids", []))
    if request.method == "POST" and form.is_valid():
        try:
            report = services.bug_report_create(
                account=request.account,
                membership=request.membership,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                steps=form.cleaned_data["steps"],
                diagnostics=diagnostics if form.cleaned_data["include_diagnostics"] else {},
            )
        except StintError as exc:
            show_error(form, exc)
        else:
            messages.success(
                request, f"Thank you: your report is {report.reference}. We sent you a confirmation by email."
            )
            return redirect("help_bug", report_id=report.pk)
    if not form.is_bound:
        form.initial["diag_page"] = diagnostics.get("page", "")
    return render(
        request,
        "web/help/bug_new.html",
        {
            "form": form,
            "diagnostics": diagnostics_rows(diagnostics),
            "has_time_zone": "time_zone" in diagnostics,
            "ids_left_out": ids_left_out,
            "level": selectors.support_level(edition=request.account.edition),
        },
    )


@member_required
def bug_reports(request: MemberRequest) -> HttpResponse:
    visible = selectors.bug_reports_visible(account=request.account, membership=request.membership)
    paginator = Paginator(visible.order_by("-created_at", "-pk"), 25)
    return render(
        request,
        "web/help/bugs.html",
        {"page": paginator.get_page(request.GET.get("page"))},
    )


@member_required
def bug_report_detail(request: MemberRequest, report_id: int) -> HttpResponse:
    report = selectors.bug_report_get(account=request.account, membership=request.membership, report_id=report_id)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.bug_reply_add(report=report, author=request.user, body=form.cleaned_data["body"])
        except StintError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "Added to the report; support will see it.")
            return redirect("help_bug", report_id=report.pk)
    return render(
        request,
        "web/help/bug.html",
        {
            "report": report,
            "replies": selectors.bug_replies(report=report).order_by("created_at", "pk"),
            "diagnostics": diagnostics_rows(report.diagnostics),
            "form": form,
        },
    )


# --- feature requests ---


@member_required
def features(request: MemberRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in FeatureStatus.values else ""
    board = selectors.feature_board_by_votes(user=request.user, status=status or None)
    paginator = Paginator(board, 30)
    return render(
        request,
        "web/help/features.html",
        {
            "page": paginator.get_page(request.GET.get("page")),
            "status": status,
            "statuses": FeatureStatus.choices,
            "onprem": settings.STINT_MODE == "onprem",
        },
    )


@member_required
def feature_new(request: MemberRequest) -> HttpResponse:
    form = FeatureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            feature = services.feature_request_create(user=request.user, account=request.account, **form.cleaned_data)
        except StintError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "Your feature request is on the board, with your vote.")
            return redirect("help_feature", feature_id=feature.pk)
    return render(request, "web/help/feature_new.html", {"form": form, "onprem": settings.STINT_MODE == "onprem"})


@member_required
def feature_detail(request: MemberRequest, feature_id: int) -> HttpResponse:
    feature = selectors.feature_request_get(user=request.user, request_id=feature_id)
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feature_comment_add(feature=feature, author=request.user, body=form.cleaned_data["body"])
        except StintError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "Your comment was added.")
            return redirect("help_feature", feature_id=feature.pk)
    return render(
        request,
        "web/help/feature.html",
        {
            "feature": feature,
            "comments": selectors.feature_comments(feature_request=feature).order_by("created_at", "pk"),
            "changes": feature.changes.order_by("created_at", "pk"),
            "form": form,
            "onprem": settings.STINT_MODE == "onprem",
        },
    )


@require_POST
@member_required
def feature_vote(request: MemberRequest, feature_id: int) -> HttpResponse:
    feature = selectors.feature_request_get(user=request.user, request_id=feature_id)
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to vote or to remove your vote.")
    else:
        try:
            # Whether they had voted before this choice: say so when there was nothing to change.
            voted = bool(getattr(feature, "voted", False))
            if form.cleaned_data["action"] == "vote":
                services.feature_vote_add(feature=feature, user=request.user)
                if voted:
                    messages.info(request, f"You had already voted for #{feature.pk} “{feature.title}”.")
                else:
                    messages.success(request, f"You voted for #{feature.pk} “{feature.title}”.")
            else:
                services.feature_vote_remove(feature=feature, user=request.user)
                if voted:
                    messages.success(request, f"Your vote for #{feature.pk} “{feature.title}” was removed.")
                else:
                    messages.info(request, f"You had not voted for #{feature.pk} “{feature.title}”; nothing changed.")
        except StintError as exc:
            messages.error(request, exc.detail)
    if request.POST.get("next") == "board":
        return redirect(f"{reverse('help_features')}#feature-{feature.pk}")
    return redirect("help_feature", feature_id=feature.pk)
