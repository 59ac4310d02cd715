from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="videoasset",
            name="claim",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="videoasset",
            name="claimed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
