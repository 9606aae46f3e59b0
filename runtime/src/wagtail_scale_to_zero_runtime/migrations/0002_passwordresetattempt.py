from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("wagtail_scale_to_zero_runtime", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="PasswordResetAttempt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scope", models.CharField(max_length=7)),
                ("key", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "indexes": [models.Index(fields=["scope", "key", "created_at"], name="password_reset_attempt_key")],
            },
        ),
    ]
