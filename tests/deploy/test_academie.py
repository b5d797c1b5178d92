"""The académie files (deploy/academies/*.yml) and their loader (common/academie.py):
what an operator writes, what each process gets, and the refusal of a bad file."""
import textwrap
from pathlib import Path

import pytest

from common import academie
from common.academie import AcademieError
from common.config import ROOT
from common.deployment import deployed_services

DEPLOY = ROOT / "deploy"
CATALOGUE = list(deployed_services(DEPLOY / "services.yml"))

GOOD = """\
extends: {catalogue}
academie: {{name: test, title: Académie de test}}
public_url: https://scolarite.ac-test.fr
broker: {{replicas: 3, uri: "amqp://scolarite:${{RABBITMQ_PASSWORD}}@rabbitmq:5672/"}}
smtp: {{host: smtp.ac-test.fr, port: 587, security: starttls, user: scolarite, password: "${{SMTP_PASSWORD}}"}}
database_url: "postgresql://scolarite_{{service}}:${{{{SERVICE}}_DB_PASSWORD}}@pg:5432/{{service}}"
ratelimit_storage: redis://redis:6379
gateway: {{instances: 2}}
services:
  accounts: {{instances: 2}}
  mailer: {{autoscale: {{max: 5}}}}
  notes: {{instances: 3, database_url: "postgresql://n:${{NOTES_DB_PASSWORD}}@pg-notes:5432/notes"}}
secrets:
  SCOLARITE_SECRET_KEY: {{secret: gw, key: secret-key}}
  RABBITMQ_PASSWORD: {{secret: mq, key: password}}
  SMTP_PASSWORD: {{secret: smtp, key: password}}
  ACCOUNTS_DB_PASSWORD: {{secret: db, key: accounts}}
  MAILER_DB_PASSWORD: {{secret: db, key: mailer}}
  NOTES_DB_PASSWORD: {{secret: db, key: notes}}
"""


def write(tmp_path: Path, text: str, name: str = "test.yml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).format(catalogue=DEPLOY / "services.yml"), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(AcademieError) as caught:
        academie.load(path)
    assert str(path) in str(caught.value)
    return caught.value.problems


def test_the_examples_load_and_extend_the_catalogue():
    small = academie.load(DEPLOY / "academies" / "small.yml")
    large = academie.load(DEPLOY / "academies" / "large.yml")
    assert list(large.services) == CATALOGUE
    assert set(small.services) < set(large.services)
    assert {"accounts", "mailer"} <= set(small.services)
    # Labels come from the catalogue; the gateway reads the académie file as it reads services.yml.
    assert small.services["notes"].settings["label"] == "Notes"
    assert deployed_services(DEPLOY / "academies" / "small.yml")["notes"]["label"] == "Notes"
    assert list(deployed_services(DEPLOY / "academies" / "small.yml")) == list(small.services)
    assert large.broker_replicas == 3 and small.broker_replicas == 1
    assert large.services["notes"].instances > small.services["notes"].instances
    # One database per service, each its own.
    for example in (small, large):
        urls = [svc.database_url for svc in example.services.values()]
        assert len(set(urls)) == len(urls) and all(u.startswith("postgresql://") for u in urls)


def test_services_yml_stays_the_default_academie():
    catalogue = academie.load(DEPLOY / "services.yml")
    assert list(catalogue.services) == CATALOGUE
    assert catalogue.services["accounts"].database_url is None  # SQLite under var/, as make run does
    assert catalogue.services["mailer"].autoscale and catalogue.services["notes"].autoscale


def test_each_process_gets_its_settings_and_secrets_only_by_reference(tmp_path):
    loaded = academie.load(write(tmp_path, GOOD))
    notes = loaded.service_env("notes")
    assert notes["NOTES_DATABASE_URL"] == "postgresql://n:${NOTES_DB_PASSWORD}@pg-notes:5432/notes"
    assert loaded.service_env("accounts")["ACCOUNTS_DATABASE_URL"] == \
        "postgresql://scolarite_accounts:${ACCOUNTS_DB_PASSWORD}@pg:5432/accounts"
    assert notes["AMQP_URI"] == "amqp://scolarite:${RABBITMQ_PASSWORD}@rabbitmq:5672/"
    assert notes["SCOLARITE_PUBLIC_URL"] == "https://scolarite.ac-test.fr"
    assert "SCOLARITE_SMTP_HOST" not in notes  # only the mailer talks to the relay
    mailer = loaded.service_env("mailer")
    assert mailer["SCOLARITE_SMTP_HOST"] == "smtp.ac-test.fr"
    assert mailer["SCOLARITE_SMTP_PASSWORD"] == "${SMTP_PASSWORD}"
    gateway = loaded.gateway_env()
    assert gateway["SCOLARITE_SECRET_KEY"] == "${SCOLARITE_SECRET_KEY}"
    assert gateway["SCOLARITE_RATELIMIT_STORAGE"] == "redis://redis:6379"
    assert loaded.services["accounts"].autoscale is None
    # mail and notes scale on their own by default, from their instances up to three times as many
    assert (loaded.services["notes"].autoscale.min, loaded.services["notes"].autoscale.max) == (3, 9)
    assert loaded.services["mailer"].autoscale.max == 5
    # Outside Kubernetes, references come from the environment.
    assert academie.resolve(notes["NOTES_DATABASE_URL"], {"NOTES_DB_PASSWORD": "s3cr3t"}) == \
        "postgresql://n:s3cr3t@pg-notes:5432/notes"
    with pytest.raises(SystemExit, match="NOTES_DB_PASSWORD"):
        academie.resolve(notes["NOTES_DATABASE_URL"], {})
    environ = {"NOTES_DB_PASSWORD": "n", "ACCOUNTS_DB_PASSWORD": "a", "MAILER_DB_PASSWORD": "m",
               "RABBITMQ_PASSWORD": "r", "SCOLARITE_SECRET_KEY": "k"}
    assert loaded.process_env("migrate", environ) == {
        "ACCOUNTS_DATABASE_URL": "postgresql://scolarite_accounts:a@pg:5432/accounts",
        "MAILER_DATABASE_URL": "postgresql://scolarite_mailer:m@pg:5432/mailer",
        "NOTES_DATABASE_URL": "postgresql://n:n@pg-notes:5432/notes"}
    assert loaded.process_env("gateway", environ)["SCOLARITE_SECRET_KEY"] == "k"
    with pytest.raises(SystemExit, match="SMTP_PASSWORD"):
        loaded.process_env("mailer", environ)


def test_accounts_and_the_gateway_share_the_view_cache_redis(tmp_path):
    """SCOLARITE_VIEW_CACHE: the Redis where accounts bumps generations is the one
    the gateway reads, by default the rate limits' Redis, or `view_cache`."""
    loaded = academie.load(write(tmp_path, GOOD))
    assert loaded.view_cache == "redis://redis:6379"
    assert loaded.service_env("accounts")["SCOLARITE_VIEW_CACHE"] == loaded.gateway_env()["SCOLARITE_VIEW_CACHE"] \
        == "redis://redis:6379"
    assert "SCOLARITE_VIEW_CACHE" not in loaded.service_env("notes")
    own = GOOD.replace("ratelimit_storage: redis://redis:6379\n",
                       'ratelimit_storage: redis://redis:6379\nview_cache: "rediss://:${{CACHE_PASSWORD}}@cache:6380/1"\n'
                       ).replace("secrets:\n", "secrets:\n  CACHE_PASSWORD: {{secret: cache, key: password}}\n")
    loaded = academie.load(write(tmp_path, own, "own.yml"))
    assert loaded.service_env("accounts")["SCOLARITE_VIEW_CACHE"] == loaded.gateway_env()["SCOLARITE_VIEW_CACHE"] \
        == "rediss://:${CACHE_PASSWORD}@cache:6380/1"
    for example in ("small", "large"):
        assert academie.load(DEPLOY / "academies" / f"{example}.yml").view_cache == "redis://scolarite-redis:6379"


def test_resources_default_to_the_measured_figures(tmp_path):
    loaded = academie.load(write(tmp_path, GOOD))
    measured = academie.default_resources(DEPLOY)
    assert loaded.services["notes"].resources.memory_request == measured["notes"]["memory"]
    assert loaded.gateway.resources.memory_limit == measured["gateway"]["memory_limit"]


@pytest.mark.parametrize("change, expected", [
    # a password in clear, anywhere
    (("${{NOTES_DB_PASSWORD}}@pg-notes", "hunter2@pg-notes"), "services.notes.database_url : mot de passe en clair"),
    (('password: "${{SMTP_PASSWORD}}"', "password: hunter2"), "smtp.password : mot de passe en clair"),
    (("scolarite:${{RABBITMQ_PASSWORD}}@", "scolarite:guest@"), "broker.uri : mot de passe en clair"),
    (("SMTP_PASSWORD: {{secret: smtp, key: password}}", "SMTP_PASSWORD: hunter2"),
     "secrets.SMTP_PASSWORD : {secret: <nom du Secret>, key: <clé>} attendu"),
    # a reference to a secret nobody declared
    (("  NOTES_DB_PASSWORD: {{secret: db, key: notes}}\n", ""), "${NOTES_DB_PASSWORD} : variable non déclarée"),
    # required services, settings
    (("  mailer: {{autoscale: {{max: 5}}}}\n", ""), "services : mailer obligatoire(s)"),
    (("  accounts: {{instances: 2}}", "  accounts: {{instances: deux}}"),
     "services.accounts.instances : nombre entier de 1 à 1000 attendu, pas 'deux'"),
    (("  accounts: {{instances: 2}}", "  accounts: {{instances: 0}}"), "services.accounts.instances"),
    (("  mailer: {{autoscale: {{max: 5}}}}", "  mailer: {{instances: 6, autoscale: {{max: 5}}}}"),
     "services.mailer.autoscale.max : 5 est inférieur au nombre d'instances (6)"),
    (("  notes: {{instances: 3,", "  notes: {{instancs: 3,"), "services.notes : réglage inconnu instancs"),
    (("broker: {{replicas: 3,", "broker: {{replicas: 2,"), "broker.replicas : nombre impair attendu"),
    (("security: starttls", "security: ssl"), "smtp.security : none, starttls ou tls"),
    (("public_url: https://", "public_url: http://"), "public_url : adresse https:// attendue"),
    # one database per service: notes' made the same as accounts'
    (("postgresql://n:${{NOTES_DB_PASSWORD}}@pg-notes:5432/notes",
      "postgresql://scolarite_accounts:${{ACCOUNTS_DB_PASSWORD}}@pg:5432/accounts"),
     "services.notes.database_url : même base que accounts"),
    (("  SCOLARITE_SECRET_KEY: {{secret: gw, key: secret-key}}\n", ""), "secrets.SCOLARITE_SECRET_KEY"),
    (("ratelimit_storage: redis://redis:6379\n", ""), "ratelimit_storage : redis://... obligatoire"),
    # the pages' view cache (SCOLARITE_VIEW_CACHE): a Redis, its password a reference
    (("ratelimit_storage: redis://redis:6379\n", ""), "view_cache : redis://... obligatoire"),
    (("ratelimit_storage: redis://redis:6379\n", "ratelimit_storage: redis://redis:6379\nview_cache: memcached://c:11211\n"),
     "view_cache : adresse redis:// ou rediss:// attendue"),
    (("ratelimit_storage: redis://redis:6379\n", "ratelimit_storage: redis://redis:6379\nview_cache: redis://:hunter2@c:6379\n"),
     "view_cache : mot de passe en clair"),
    (("name: test,", "name: Test_1,"), "academie.name : 'Test_1'"),
    (('database_url: "postgresql://scolarite_{{service}}', 'database_url: "sqlite:///{{service}}'),
     "services.accounts.database_url : PostgreSQL attendu"),
    # development and test settings never reach an académie: the demo's movable
    # clock, the test suite's light password hashing
    (("gateway: {{instances: 2}}\n", "gateway: {{instances: 2}}\nenv: {{SCOLARITE_CLOCK_FILE: /tmp/c.json}}\n"),
     "env.SCOLARITE_CLOCK_FILE : réglage de développement"),
    (("gateway: {{instances: 2}}\n", "gateway: {{instances: 2}}\nenv: {{SCOLARITE_TEST_LIGHT_HASH: '1'}}\n"),
     "env.SCOLARITE_TEST_LIGHT_HASH : réglage de développement"),
])
def test_a_bad_file_is_refused_with_a_message_naming_the_setting(tmp_path, change, expected):
    old, new = change
    text = GOOD.replace(old, new)
    assert text != GOOD, old
    found = problems(write(tmp_path, text))
    assert any(expected in p for p in found), found


def test_every_problem_is_reported_at_once(tmp_path):
    text = GOOD.replace("instances: 3,", "instances: -1,").replace("security: starttls", "security: ssl")
    assert len(problems(write(tmp_path, text))) == 2


def test_unreadable_or_missing_files_and_unknown_services(tmp_path):
    assert problems(tmp_path / "absent.yml") == ["fichier introuvable"]
    assert "YAML illisible" in problems(write(tmp_path, "services: [unclosed\n"))[0]
    bad = GOOD.replace("  notes: {{instances: 3,", "  note: {{instances: 3,")
    assert "services.note : service inconnu" in problems(write(tmp_path, bad))[0]


def test_the_gateway_reads_an_academie_file(tmp_path, monkeypatch):
    path = write(tmp_path, GOOD)
    monkeypatch.setenv("SCOLARITE_DEPLOY_FILE", str(path))
    services = deployed_services()
    assert list(services) == ["accounts", "mailer", "notes"]
    # Deployment-only settings stay out of what the gateway composes from.
    assert "database_url" not in services["notes"] and services["notes"]["label"] == "Notes"
