from django.urls import path

from . import views

app_name = "consents"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("consents/choice/", views.consent_choice, name="choice"),
    path("privacy-policy/", views.policy_current, name="policy_current"),
    path("privacy-policy/<str:label>/", views.policy_version, name="policy_version"),
]
