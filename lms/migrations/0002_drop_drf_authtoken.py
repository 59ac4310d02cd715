from django.db import migrations


class Migration(migrations.Migration):
    """API tokens moved from DRF's authtoken to django-rest-knox, which stores only digests. DRF's
    table kept every token in clear text; with the app gone nothing would ever remove it, so it goes
    here (the tokens in it stopped working when the app was removed)."""

    dependencies = [("lms", "0001_initial")]

    operations = [migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop)]
