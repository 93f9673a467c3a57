"""Public pages: the self-service registration form, its confirmation, and the status lookup. No login;
CSRF-protected; POSTs throttled per client address. Every page here may show personal data (the form
echoes what was typed, the confirmation and the lookup show a registration), so none may be stored by
a browser or proxy cache (``Cache-Control: no-store``); the lookup never echoes the ID number it was
given, only the masked one of the registration it found."""
from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import override
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.core.api.throttling import over_rate
from apps.core.errors import DomainError
from apps.core.net import client_ip

from . import selectors, services
from .forms import RegistrationForm, StatusLookupForm
from .models import Channel, Registration, Status

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
THROTTLED_MESSAGE = "您的操作过于频繁，请稍后再试。"


def public_rate() -> tuple[int, int]:
    """(requests, seconds) from ``YIDI_PUBLIC_FORM_RATE`` (env ``THROTTLE_PUBLIC_FORM``), e.g. ``20/hour``."""
    count, period = settings.YIDI_PUBLIC_FORM_RATE.split("/")
    return int(count), PERIODS[period.strip()[0]]


def client_address(request) -> str:
    # The kernel's answer: X-Forwarded-For only from a trusted proxy (settings.TRUSTED_PROXIES).
    return client_ip(request) or "unknown"


def throttled(request, bucket: str) -> bool:
    """Count one attempt for this client; True once it is over the rate (fixed window per client).
    A cache outage lets the attempt through with a logged warning (apps.core.api.throttling.over_rate)."""
    limit, seconds = public_rate()
    return over_rate(f"yidi:registration:{bucket}:{client_address(request)}", limit, seconds)


def _form_page(request, form, status=200, message=""):
    return render(request, "registration/form.html", {
        "form": form, "insured_regions": form.insured_candidates, "destination_regions": form.destination_candidates,
        "message": message,
    }, status=status)


PUBLIC_LANGUAGE = "zh-hans"  # the public pages are Chinese whatever the browser asks (the API follows Accept-Language)


@require_http_methods(["GET", "POST"])
@override(PUBLIC_LANGUAGE)
@never_cache
def registration_form(request):
    if request.method == "GET":
        return _form_page(request, RegistrationForm())
    form = RegistrationForm(request.POST)
    if throttled(request, "form"):
        return _form_page(request, form, status=429, message=THROTTLED_MESSAGE)
    if form.is_valid():
        try:
            registration = services.submit_registration(
                actor=None, organisation=None, channel=Channel.WEB, data=form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            request.session["registration_done"] = registration.reference
            return redirect("registration-done")
    return _form_page(request, form)


@override(PUBLIC_LANGUAGE)
@never_cache
def registration_done(request):
    """The confirmation, for the browser that submitted (the reference is kept in its session only)."""
    reference = request.session.get("registration_done")
    registration = (Registration.objects.select_related("destination_region", "insured_pooling_area")
                    .filter(reference=reference).first() if reference else None)
    if registration is None:
        return redirect("registration-form")
    return render(request, "registration/done.html", {
        "registration": registration, "approved": registration.status == Status.APPROVED,
        "long_term": registration.is_long_term,
    })


@require_http_methods(["GET", "POST"])
@override(PUBLIC_LANGUAGE)
@never_cache
def registration_status(request):
    """Status and validity for a reference plus the holder's ID number; any wrong pair reads 'not found'."""
    form = StatusLookupForm(request.POST or None)
    context = {"form": form, "searched": False, "registration": None, "message": ""}
    if request.method == "POST":
        if throttled(request, "status"):
            context["message"] = THROTTLED_MESSAGE
            return render(request, "registration/status.html", context, status=429)
        if form.is_valid():
            context["searched"] = True
            context["registration"] = selectors.lookup_status(form.cleaned_data["reference"],
                                                              form.cleaned_data["id_number"])
    return render(request, "registration/status.html", context)
