"""Ticket routing through the five tiers. (Filled in by the coordination area.)"""


def raise_ticket(*, actor, organisation, category, title, description, settlement=None, registration=None,
                 holder=None):
    """Raise a ticket from ``organisation``; it lands one tier up, or with ``holder`` when given."""
    raise NotImplementedError
