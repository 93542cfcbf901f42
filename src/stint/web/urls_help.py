"""Help: in-app documentation, bug reports, feature requests (issue 7)."""

from django.urls import URLPattern, URLResolver, path, re_path

from stint.web.views import help

urlpatterns: list[URLPattern | URLResolver] = [
    path("", help.help_index, name="help"),
    path("docs/", help.docs_page, name="help_docs"),
    path("docs/images/<str:name>", help.docs_image, name="help_docs_image"),
    re_path(r"^docs/(?P<slug>[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)?)/$", help.docs_page, name="help_doc"),
    path("search/", help.docs_search_page, name="help_search"),
    path("bugs/", help.bug_reports, name="help_bugs"),
    path("bugs/new/", help.bug_report_new, name="help_bug_new"),
    path("bugs/<int:report_id>/", help.bug_report_detail, name="help_bug"),
    path("features/", help.features, name="help_features"),
    path("features/new/", help.feature_new, name="help_feature_new"),
    path("features/<int:feature_id>/", help.feature_detail, name="help_feature"),
    path("features/<int:feature_id>/vote/", help.feature_vote, name="help_feature_vote"),
]
