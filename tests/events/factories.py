"""Helpers of the operations-engine tests: staff accounts, subscriptions, and an event about a registration."""
from apps.events import services
from tests.factories import UserFactory, org
from tests.registration.factories import RegistrationFactory

SECRET = "s3cret-for-tests-0123456789"


def staff(code: str, **kwargs):
    return UserFactory(org=code, is_staff=True, **kwargs)


def subscribe(code: str, url: str, events=("registration.approved",), secret: str = SECRET):
    return services.subscribe(actor=None, organisation=org(code), url=url, events=list(events), secret=secret)


def approved_registration(**kwargs):
    """An approved registration of a 上海浦东 insured person to 苏州 (insured 310115, destination 320500)."""
    return RegistrationFactory(**kwargs)


def record_approval(registration, *, organisation="310115"):
    """What the registration service will record when it approves (the wiring comes later)."""
    data = {"reference": registration.reference, "status": registration.status, "name": registration.person.name,
            "id_number": registration.person.id_number,  # deliberately full: no text may carry it
            "valid_from": registration.start_date, "valid_until": registration.end_date,
            "insured_region": registration.insured_region_id, "destination_region": registration.destination_region_id}
    return services.record_event(
        "registration.approved", obj=registration, organisation=organisation,
        regions=[registration.insured_region_id, registration.destination_region_id], data=data,
        summary=f"{registration.reference} {registration.person.id_number}", sms_to=registration.person.phone)
