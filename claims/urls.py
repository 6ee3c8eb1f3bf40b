from django.urls import path

from . import views

app_name = "claims"

urlpatterns = [
    path("", views.my_claims, name="mine"),
    path("new/", views.claim_new, name="new"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("answers/<int:pk>/letter.pdf", views.answer_pdf, name="answer_pdf"),
    path("<str:reference>/", views.claim_detail, name="detail"),
]
