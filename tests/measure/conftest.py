"""Measurement tests run on the sandbox world of the schema tests (seeded once, copied per test)."""

from tests.schema.conftest import (  # noqa: F401 - fixtures
    _reads_only,
    client,
    database_url,
    db,
    private_client,
    private_db,
    private_world,
    settings,
    shared,
    template,
    world,
)


def pytest_configure(config):  # the marker the schema conftest registers, for this directory too
    config.addinivalue_line("markers", "reads_only: the module's tests share one copy of the world and one app")
