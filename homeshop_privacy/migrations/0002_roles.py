from django.db import migrations

ROLES = ("Compliance officer", "Support agent", "Auditor")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    """1.5: the staff roles. Their permissions are applied after each migrate (roles.py)."""

    dependencies = [
        ("homeshop_privacy", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
