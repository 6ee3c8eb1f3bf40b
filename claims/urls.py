from django.urls import path

from . import views

app_name = "claims"

urlpatterns = [
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("answers/<int:pk>/letter.pdf", views.answer_pdf, name="answer_pdf"),
]
