from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("wagtail_scale_to_zero_runtime", "0003_housekeepingrun")]

    operations = [
        migrations.CreateModel(
            name="PublishingScheduleRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(null=True)),
                ("requested_at", models.DateTimeField()),
            ],
        ),
    ]
