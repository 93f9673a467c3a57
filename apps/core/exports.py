"""Spreadsheet formula injection: no exported cell may start a formula.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some spreadsheet
programs skip before reading the rest as a formula) is run by Excel, WPS and LibreOffice when the file is
opened: ``=HYPERLINK("http://x","y")`` sends the reader elsewhere, ``=cmd|…`` asks to run a program. Every
such text cell is written with a leading apostrophe, so the reader sees the text as typed. Plain numbers
(``-12.50``, ``+3``) are left alone: they are data, not formulae.

django-import-export's own ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` (4.4) is not enough: it only drops
one leading ``=`` (``==1+1`` still runs, ``+``, ``-``, ``@`` pass untouched) and turns every cell, numbers and
empty ones too, into text (``None`` becomes the word "None"). So it stays off; the kernel neutralises instead:

- every admin export (django-import-export) goes through :class:`apps.core.admin_guard.GuardedAdminMixin`,
  which every registered admin carries, and is neutralised there whatever the format (CSV, XLSX, …);
- a resource used outside the admin (a command, a script) inherits :class:`NeutralisedExportMixin`.
"""
import re

import tablib

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def neutralise(value):
    """``value`` as a spreadsheet shows it literally: text that would start a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def neutralise_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """The same rows and headers with every cell neutralised (a new Dataset; the old one is left as it was)."""
    headers = [neutralise(h) for h in dataset.headers] if dataset.headers else None
    out = tablib.Dataset(headers=headers, title=dataset.title)
    for row in dataset:
        out.append([neutralise(cell) for cell in row])
    return out


class NeutralisedExportMixin:
    """For an import-export ``Resource``: ``export()`` returns a neutralised Dataset."""

    def export(self, *args, **kwargs):
        return neutralise_dataset(super().export(*args, **kwargs))
