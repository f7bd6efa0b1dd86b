import pytest

from config import ConfigError, load_config, normalize_database_url
from orgladder import create_app


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without(monkeypatch, missing):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.internal/orgladder")
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        create_app("production")


def test_production_wants_a_long_secret(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.internal/orgladder")
    with pytest.raises(ConfigError, match="32 characters"):
        load_config("production")


def test_production_settings(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal:5432/orgladder")
    config = load_config("production")
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal:5432/orgladder"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["ARGON2_MEMORY_COST"] >= 19 * 1024


def test_development_defaults_to_sqlite_and_a_kept_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("ORGLADDER_INSTANCE_PATH", str(tmp_path))
    first = load_config("development")
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'orgladder.db'}"
    assert len(first["SECRET_KEY"]) == 64
    assert load_config("development")["SECRET_KEY"] == first["SECRET_KEY"]


def test_unknown_profile_and_bad_numbers(monkeypatch):
    with pytest.raises(ConfigError):
        load_config("staging")
    monkeypatch.setenv("ARGON2_TIME_COST", "lots")
    with pytest.raises(ConfigError, match="ARGON2_TIME_COST"):
        load_config("testing")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://h/db", "postgresql+psycopg://h/db"),
        ("postgresql://h/db", "postgresql+psycopg://h/db"),
        ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(given, expected):
    assert normalize_database_url(given) == expected


@pytest.mark.no_transaction
def test_postgresql_connections_do_without_jit(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    from sqlalchemy import text

    from orgladder.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("SHOW jit")).scalar() == "off"
        connection.rollback()  # the setting outlives a transaction that rolls back
        assert connection.execute(text("SHOW jit")).scalar() == "off"
