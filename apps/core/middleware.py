"""Language: the partner API follows Accept-Language (Chinese by default, English on request, API.md);
the admin and the public pages are always in Chinese, whatever the browser asks."""
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class YidiLocaleMiddleware(LocaleMiddleware):
    NEGOTIATED_PREFIXES = ("/api/",)

    def process_request(self, request):
        if request.path_info.startswith(self.NEGOTIATED_PREFIXES):
            return super().process_request(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
