import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def scope_existing_bans(apps, schema_editor):
    """Existing bans keep covering what they named; none of them expires."""
    Ban = apps.get_model("comments", "Ban")
    Ban.objects.filter(ip_address__isnull=True).update(scope="email")
    Ban.objects.filter(email="").update(scope="ip")


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0003_returning_commenter_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="ban",
            name="scope",
            field=models.CharField(
                choices=[
                    ("email", "Email address"),
                    ("ip", "IP address"),
                    ("both", "Email and IP address"),
                ],
                default="both",
                max_length=10,
                verbose_name="bans",
            ),
        ),
        migrations.AddField(
            model_name="ban",
            name="expires_at",
            field=models.DateTimeField(
                blank=True, help_text="Empty: until lifted.", null=True, verbose_name="until"
            ),
        ),
        migrations.AlterField(
            model_name="ban",
            name="email",
            field=models.EmailField(
                blank=True,
                db_index=True,
                help_text="Banned when the ban covers the email; otherwise whom an IP ban is aimed at.",
                max_length=254,
                verbose_name="email",
            ),
        ),
        migrations.RunPython(scope_existing_bans, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="ban",
            constraint=models.CheckConstraint(
                condition=models.Q(("email__gt", ""), ("scope", "email"))
                | models.Q(("ip_address__isnull", False), ("scope", "ip"))
                | models.Q(("email__gt", ""), ("ip_address__isnull", False), ("scope", "both")),
                name="ban_scope_names_its_keys",
                violation_error_message="A ban needs the email and/or IP address it covers.",
            ),
        ),
        migrations.AddField(
            model_name="comment",
            name="redacted_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="edited by a moderator"
            ),
        ),
        migrations.CreateModel(
            name="Redaction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("original", models.TextField(verbose_name="text before")),
                ("text", models.TextField(verbose_name="text after")),
                ("reason", models.TextField(verbose_name="why")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="edited")),
                (
                    "comment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="redactions",
                        to="comments.comment",
                        verbose_name="comment",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="edited by",
                    ),
                ),
            ],
            options={
                "verbose_name": "redaction",
                "verbose_name_plural": "redactions",
                "ordering": ["-created_at", "-pk"],
            },
        ),
    ]
