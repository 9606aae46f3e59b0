from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("wagtail_scale_to_zero_runtime", "0002_passwordresetattempt")]

    operations = [
        migrations.CreateModel(
            name="HousekeepingRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("ran_at", models.DateTimeField()),
            ],
        ),
    ]
