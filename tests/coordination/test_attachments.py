"""Attachments are limited in size and type, checked by name and by content."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.coordination import services
from apps.coordination.models import EventKind
from apps.core.errors import NotAllowed, ValidationFailed
from tests.coordination.factories import TicketFactory
from tests.factories import org

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def attach(ticket, name, content, code="320500"):
    return services.attach_file(actor=None, organisation=org(code), ticket=ticket,
                                upload=SimpleUploadedFile(name, content))


def test_a_png_is_attached_and_noted_on_the_timeline():
    ticket = TicketFactory()
    attachment = attach(ticket, "截图.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    assert (attachment.content_type, attachment.size) == ("image/png", 108)
    assert ticket.events.filter(kind=EventKind.ATTACH, note="截图.png").exists()


def test_an_xlsx_is_accepted():
    assert attach(TicketFactory(), "明细.xlsx", b"PK\x03\x04rest").content_type.endswith("sheet")


def test_an_executable_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        attach(TicketFactory(), "tool.exe", b"MZ....")
    assert exc.value.field == "file"


def test_a_file_whose_content_does_not_match_its_name_is_refused():
    with pytest.raises(ValidationFailed):
        attach(TicketFactory(), "report.pdf", b"<html>not a pdf</html>")


def test_a_file_over_5_mb_is_refused():
    ticket = TicketFactory()
    with pytest.raises(ValidationFailed) as exc:
        attach(ticket, "big.pdf", b"%PDF" + b"0" * (5 * 1024 * 1024))
    assert "5 MB" in exc.value.message
    assert not ticket.attachments.exists()


def test_an_organisation_that_cannot_see_the_ticket_cannot_attach():
    with pytest.raises(NotAllowed):
        attach(TicketFactory(), "a.pdf", b"%PDF-1.4", code="510000")
