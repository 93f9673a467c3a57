"""Factories for coordination tickets: built through ``raise_ticket`` so every ticket has its RAISED event."""
import factory

from apps.coordination import services
from apps.coordination.models import Ticket
from tests.factories import org


class TicketFactory(factory.Factory):
    """A registration question raised by 姑苏区 (lands at 苏州市) unless told otherwise.

    ``TicketFactory(raiser="H32050800001")`` raises from that organisation; ``holder=org("440000")`` sends it
    straight to a bureau, as a cost review does."""

    class Meta:
        model = Ticket

    class Params:
        raiser = "320508"

    actor = None
    organisation = factory.LazyAttribute(lambda o: org(o.raiser))
    category = "registration"
    title = factory.Sequence(lambda n: f"演示协同问题{n}")
    description = "参保人反映异地备案后无法直接结算，请协助核实。"
    settlement = None
    registration = None
    holder = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.raise_ticket(**kwargs)

    @classmethod
    def _build(cls, model_class, **kwargs):
        raise NotImplementedError("tickets are only made through raise_ticket")
