"""Two indexes fewer on the STIX store, for import speed.

``stix_latest`` (stix_id, is_latest) duplicated the lead of the unique (stix_id, version) index,
which finds an id's versions as well; the ``created_by`` foreign-key index served no query (a
deleted user's SET NULL reads the table once, and users are deleted rarely).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("stix", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="stixobject",
            name="stix_latest",
        ),
        migrations.AlterField(
            model_name="stixobject",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="created by",
            ),
        ),
    ]
