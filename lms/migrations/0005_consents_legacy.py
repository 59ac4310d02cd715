from django.db import migrations


def legacy_consents_create(apps, schema_editor):
    """Applications stored before consents had purposes carried one flag, given with the
    application: it becomes a "taking part" consent at the application's time, its text "legacy"
    (the purposes asked for later were never asked, so nobody is assumed to have given them)."""
    Application = apps.get_model("lms", "Application")
    Consent = apps.get_model("lms", "Consent")
    rows = Application.objects.filter(personal_data_consent=True).values_list("pk", "submitted_at")
    Consent.objects.bulk_create(
        [
            Consent(application_id=pk, purpose="participation", text_version="legacy", given_at=submitted_at)
            for pk, submitted_at in rows.iterator(chunk_size=5000)
        ],
        batch_size=5000,
    )


def legacy_consents_remove(apps, schema_editor):
    apps.get_model("lms", "Consent").objects.filter(text_version="legacy").delete()


class Migration(migrations.Migration):
    dependencies = [("lms", "0004_personal_data")]

    operations = [migrations.RunPython(legacy_consents_create, legacy_consents_remove)]
