from django.urls import include, path

from stint.web.views import auth, catalog, pages, people, settings

urlpatterns = [
    path("", pages.home, name="home"),
    path("switch-account/", pages.switch_account, name="switch_account"),
    path("", include("stint.web.urls_tracking")),
    # before entering an account
    path("signup/", auth.signup, name="signup"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/done/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("invitations/<str:secret>/", auth.invitation, name="invitation"),
    # settings
    path("settings/", settings.settings_index, name="settings"),
    path("settings/users/", people.users, name="users"),
    path("settings/users/<int:user_id>/role/", people.user_role, name="user_role"),
    path("settings/users/<int:user_id>/remove/", people.user_remove, name="user_remove"),
    path("settings/users/<int:user_id>/owner/", people.user_owner, name="user_owner"),
    path("settings/users/<int:user_id>/invitation/", people.user_invitation, name="user_invitation"),
    path("settings/teams/", people.teams, name="teams"),
    path("settings/teams/<int:team_id>/", people.team_edit, name="team_edit"),
    path("settings/teams/<int:team_id>/delete/", people.team_delete, name="team_delete"),
    path("settings/work-items/", catalog.work_items, name="work_items"),
    path("settings/work-items/<int:item_id>/", catalog.work_item_edit, name="work_item_edit"),
    path("settings/work-items/<int:item_id>/state/", catalog.work_item_state, name="work_item_state"),
    path("settings/work-items/<int:item_id>/archive/", catalog.work_item_archive, name="work_item_archive"),
    path("settings/work-items/<int:item_id>/delete/", catalog.work_item_delete, name="work_item_delete"),
    path("settings/activity-types/", catalog.activity_types, name="activity_types"),
    path("settings/activity-types/favorite/", catalog.activity_type_favorite, name="activity_type_favorite"),
    path("settings/activity-types/<int:type_id>/", catalog.activity_type_edit, name="activity_type_edit"),
    path("settings/activity-types/<int:type_id>/default/", catalog.activity_type_default, name="activity_type_default"),
    path("settings/activity-types/<int:type_id>/archive/", catalog.activity_type_archive, name="activity_type_archive"),
    path("settings/activity-types/<int:type_id>/delete/", catalog.activity_type_delete, name="activity_type_delete"),
    path("settings/tracking-rules/", catalog.tracking_rules, name="tracking_rules"),
    path("settings/tokens/", settings.tokens, name="tokens"),
    path("settings/tokens/<int:token_id>/revoke/", settings.token_revoke, name="token_revoke"),
    path("settings/account/", settings.account, name="account"),
    path("settings/profile/", settings.profile, name="profile"),
]
