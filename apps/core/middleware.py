"""Kernel middleware.

Language: the partner API follows Accept-Language (Chinese by default, English on request, API.md);
the admin and the public pages are always in Chinese, whatever the browser asks.

No-store: answers that carry personal data (the partner API, the admin, the public registration pages)
must not be kept by a browser or a shared cache.
"""
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers


class YidiLocaleMiddleware(LocaleMiddleware):
    NEGOTIATED_PREFIXES = ("/api/",)

    def process_request(self, request):
        if request.path_info.startswith(self.NEGOTIATED_PREFIXES):
            return super().process_request(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (with ``private, no-cache, max-age=0``) on personal-data paths."""

    PREFIXES = ("/api/v1/", "/admin/", "/registration/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(self.PREFIXES):
            add_never_cache_headers(response)
        return response
