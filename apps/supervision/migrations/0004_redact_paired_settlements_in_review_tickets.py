"""Cost-review tickets raised before issue #10.2 carry the paired settlement's number, facility and region in their
stored text (the description and the "raised" event's note), which every organisation the ticket reaches reads.
Rewrite that evidence as the request now writes it (``selectors.visible_evidence(flag, None)``: the kind of record
and its dates), and blank out the paired number or facility code wherever else those texts still name it. Only data changes; the
selectors' labels and ``visible_evidence`` are used as they are today (they read nothing but ``flag.detail`` and
the rows passed in)."""
from django.db import migrations

HIDDEN = "（另一结算，已隐去）"


def _old_text(detail, labels, values):
    """The evidence line exactly as the request wrote it before (``evidence_text(flag.detail)``)."""
    parts = []
    for key, value in detail.items():
        if value in (None, ""):
            continue
        shown = values.get(value, value) if isinstance(value, str) else value
        parts.append(f"{labels.get(key, key)}：{shown}")
    return "；".join(parts)


def redact(apps, schema_editor):
    from apps.supervision.selectors import (
        EVIDENCE_LABELS,
        EVIDENCE_VALUES,
        RELATED_KEYS,
        Related,
        evidence_refs,
        visible_evidence,
    )

    Flag = apps.get_model("supervision", "Flag")
    Settlement = apps.get_model("settlement", "Settlement")
    Ticket = apps.get_model("coordination", "Ticket")
    TicketEvent = apps.get_model("coordination", "TicketEvent")

    for flag in Flag.objects.filter(ticket__isnull=False).only("id", "detail", "ticket_id", "facility_id").iterator():
        detail = flag.detail or {}
        refs = {ref for ref in evidence_refs(flag).values() if isinstance(ref[1], str)}
        if not refs:
            continue
        rows = {(fac, n): Related(n, pk, vt, start, end, False)
                for fac, n, pk, vt, start, end in Settlement.objects.filter(number__in={n for _, n in refs})
                .values_list("facility_id", "number", "pk", "visit_type", "service_start", "service_end")
                if (fac, n) in refs}
        new = visible_evidence(flag, None, related=rows).text()
        old = _old_text(detail, EVIDENCE_LABELS, EVIDENCE_VALUES)
        # the paired settlement's number and facility code, wherever else they were written
        secrets = [str(v) for k, v in detail.items() if isinstance(v, str) and len(v) >= 6
                   and any(k in (r, f"{r}_facility") for r in RELATED_KEYS)]
        pointer = f"\n完整证据见可疑结算 #{flag.pk}（各机构按本机构查看范围显示）。"

        def clean(text, old=old, new=new, pointer=pointer, secrets=secrets):
            if old and old in text:
                text = text.replace(old, new + ("" if pointer.strip() in text else pointer), 1)
            for secret in secrets:
                text = text.replace(secret, HIDDEN)
            return text

        ticket = Ticket.objects.filter(pk=flag.ticket_id).first()
        if ticket is None:
            continue
        description = clean(ticket.description)
        if description != ticket.description:
            Ticket.objects.filter(pk=ticket.pk).update(description=description)
        for event in TicketEvent.objects.filter(ticket_id=ticket.pk, kind="raised"):
            note = clean(event.note)
            if note != event.note:
                TicketEvent.objects.filter(pk=event.pk).update(note=note)


class Migration(migrations.Migration):

    dependencies = [
        ("supervision", "0003_seed_rules_and_scan_indexes"),
        ("coordination", "0004_holding_outside_region"),
        ("settlement", "0003_reference_policies"),
    ]

    operations = [
        migrations.RunPython(redact, migrations.RunPython.noop),
    ]
