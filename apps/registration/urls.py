"""Public pages of this area: the self-service form and the status lookup."""
from django.urls import path

from . import views

urlpatterns = [
    path("registration/", views.registration_form, name="registration-form"),
    path("registration/done/", views.registration_done, name="registration-done"),
    path("registration/status/", views.registration_status, name="registration-status"),
]
