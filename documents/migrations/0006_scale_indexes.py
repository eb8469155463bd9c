"""Indexes for lists at national scale (filled in by the scale work)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("documents", "0005_unit_signature_authority")]

    operations = []
