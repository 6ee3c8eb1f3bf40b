from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.AccountHomeView.as_view(), name="home"),
    path("login/", views.CustomerLoginView.as_view(), name="login"),
    path("logout/", views.CustomerLogoutView.as_view(), name="logout"),
    path("password/reset/", views.CustomerPasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views.CustomerPasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.CustomerPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.CustomerPasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "first-sign-in/<str:token>/", views.CustomerFirstSignInView.as_view(), name="first_sign_in"
    ),
    # Issue 13: a one-time sign-in link by email, for customers without a password.
    path("sign-in-link/", views.SignInLinkRequestView.as_view(), name="sign_in_link_request"),
    path("sign-in-link/sent/", views.SignInLinkSentView.as_view(), name="sign_in_link_sent"),
    path("sign-in/<str:token>/", views.SignInLinkView.as_view(), name="sign_in_link"),
    path("edit/", views.CustomerDataEditView.as_view(), name="edit"),
    path(
        "email/confirm/<str:token>/", views.EmailChangeConfirmView.as_view(), name="email_confirm"
    ),
    path("addresses/add/", views.AddressEditView.as_view(), name="address_add"),
    path("addresses/<int:pk>/edit/", views.AddressEditView.as_view(), name="address_edit"),
    path("addresses/<int:pk>/delete/", views.AddressDeleteView.as_view(), name="address_delete"),
    path("export/my-data.json", views.ExportJSONView.as_view(), name="export_json"),
    path("export/my-data.zip", views.ExportCSVView.as_view(), name="export_csv"),
    path("close/", views.AccountClosureView.as_view(), name="close"),
]
