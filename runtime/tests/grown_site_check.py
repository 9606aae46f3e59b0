"""The grown site (test/fixtures/wagtail-project-grown: split requirement files, a package
of its own compiled from C, libmagic at run time) in the image fromWagtailProject builds,
run as the Lambda function under the RIE, as lambda_check.py runs the bundled site (its
container, browser and operator CLI), on a real PostgreSQL and moto's S3.

After the deployment's management event (migrations, the first admin), the site's own
loader (`manage.py load_site_data`: an `admin` superuser, an editor and a home page, made
with the ORM) runs through the operator CLI; the loader's admin signs in with the
loader's password, the home page renders, the compiled extension and python-magic work
in Lambda's read-only file system, and no connection stays open.

Run by scripts/grown-site-test.sh, from runtime/:

    LAMBDA_TEST_IMAGE=<the grown site's image> LAMBDA_TEST_RIE=... python -m pytest tests/grown_site_check.py
"""

import json

from .lambda_check import (  # noqa: F401 (fixtures)
    Browser, app_connections, buckets, csrf_token, database, function_env, is_function_error, log_dir,
    operator_cli, proxy, start_function)

# test/fixtures/wagtail-project-grown/pages/management/commands/load_site_data.py
LOADER_ADMIN_PASSWORD = "grown-site-changeme"


def manage(site, s3, *command):
    code, out, err = operator_cli(site, s3, "manage", "--function", "function", "--", *command)
    assert code == 0, (code, out, err)
    return out


def test_the_sites_own_loader_runs_through_the_operator_path_and_its_admin_signs_in(start_function, s3, pg,
                                                                                    database):
    site = start_function("grown-site")
    status, result, _ = site.first_invoke({})  # the deployment's management event
    assert status == 200 and not is_function_error(result), result
    assert "admin 'admin' created" in json.dumps(result), result

    out = manage(site, s3, "load_site_data")
    assert "loaded: users admin and editor, home page 'Grown home'" in out, out
    out = manage(site, s3, "shell", "-c", "from django.contrib.auth.models import User; "
                 "print(sorted(User.objects.filter(is_superuser=True).values_list('username', flat=True)))")
    assert out.splitlines()[-1] == "['admin']", out

    browser = Browser(site)
    home = browser.get("/")
    assert home.status == 200 and "<h1>Grown home</h1>" in home.text, (home.status, home.text[:1000])
    login = browser.get("/admin/login/")
    reply = browser.post_form("/admin/login/", {"csrfmiddlewaretoken": csrf_token(login.text), "username": "admin",
                                                "password": LOADER_ADMIN_PASSWORD}, follow=True)
    assert reply.status == 200 and "/admin/logout/" in reply.text, reply.text[:1000]

    out = manage(site, s3, "shell", "-c", "import magic, magicinfo; "
                 "print(magicinfo.__file__.endswith('.so'), magicinfo.version() == magic.version(), "
                 "magic.from_file('/app/manage.py'))")
    assert out.splitlines()[-1].startswith("True True Python script"), out
    assert app_connections(pg, database) == 0
