"""Indexes for lists at national scale, and the plan's stored search key (issue 7, docs/performance.md).

- `Plan.search_key`: the folded words (lower case, no diacritics, one tone placement: see
  `documents.selectors.search_tokens`) of the title, the number and symbol, the issuer's names
  and the recipients' phrases and unit names, written by the services that change them
  (`documents.services.plan_search_key_refresh`) and filled here for existing plans. The plan
  list's search matches it in SQL instead of folding every visible plan in Python.
- On PostgreSQL, a trigram GIN index on it (`pg_trgm`, a trusted extension since PostgreSQL 13),
  so that `search_key LIKE '% word%'` is answered by the index. Where the extension cannot be
  created, the index is left out and the search still works (the other filters bound it).
- `plan_created`, `plan_issue_date`: the plan list newest first; MIN/MAX of the years offered.
- `delivery_unit_plan`: "plans delivered to my units" from the index alone.
"""

import re
import unicodedata

from django.db import DatabaseError, migrations, models, transaction

_WORD = re.compile(r"[0-9a-z]+")


def _fold(text: str) -> str:
    from documents.recognition import fold

    return fold(unicodedata.normalize("NFC", text or ""))


def _key(parts) -> str:
    words = dict.fromkeys(word for part in parts if part for word in _WORD.findall(_fold(part)))
    return " " + " ".join(words) + " " if words else ""


def fill_search_keys(apps, schema_editor):
    """Write the search key of every existing plan, 2,000 plans at a time."""
    Plan = apps.get_model("documents", "Plan")
    Recipient = apps.get_model("documents", "Recipient")
    last = 0
    while True:
        rows = list(
            Plan.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "title", "number_symbol", "issuer__name", "issuer__short_name")[:2000]
        )
        if not rows:
            return
        last = rows[-1][0]
        parts = {pk: [title, number, name, short] for pk, title, number, name, short in rows}
        for plan_id, phrase, unit_name in Recipient.objects.filter(plan_id__in=list(parts)).values_list(
            "plan_id", "phrase", "unit__name"
        ):
            parts[plan_id] += [phrase, unit_name]
        plans = [Plan(pk=pk, search_key=_key(texts)) for pk, texts in parts.items()]
        Plan.objects.bulk_update(plans, ["search_key"], batch_size=500)


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:  # no right to create the extension: the search works without the index
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS plan_search_key_trgm ON documents_plan USING gin (search_key gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS plan_search_key_trgm")


class Migration(migrations.Migration):
    dependencies = [("documents", "0005_unit_signature_authority")]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="search_key",
            field=models.TextField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                help_text="Các từ của trích yếu, số ký hiệu, cơ quan ban hành và nơi nhận, viết thường, không dấu.",
                verbose_name="khóa tìm kiếm",
            ),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(fields=["unit", "plan"], name="delivery_unit_plan"),
        ),
        migrations.AddIndex(
            model_name="plan",
            index=models.Index(fields=["created_at"], name="plan_created"),
        ),
        migrations.AddIndex(
            model_name="plan",
            index=models.Index(fields=["issue_date"], name="plan_issue_date"),
        ),
        migrations.RunPython(fill_search_keys, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]
