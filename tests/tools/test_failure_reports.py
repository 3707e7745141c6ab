"""The failure report hook of tests/conftest.py: a test that failed on a PostgreSQL error carries the
private server's log; other failures and passes carry nothing extra."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from tests import conftest


@dataclass
class _Report:
    failed: bool
    longrepr: str
    sections: list = field(default_factory=list)


def _run_hook(report: _Report) -> _Report:
    hook = conftest.pytest_runtest_makereport(None, None)
    next(hook)
    with pytest.raises(StopIteration):
        hook.send(SimpleNamespace(get_result=lambda: report))
    return report


@pytest.mark.parametrize("failed, longrepr, shown", [
    (True, "psycopg2.OperationalError: server closed the connection unexpectedly", True),
    (True, "AssertionError: assert 1 == 2", False),
    (False, "", False),
])
def test_a_database_failure_carries_the_servers_log(tmp_path, monkeypatch, failed, longrepr, shown):
    (tmp_path / "server.log").write_text("LOG:  starting\nPANIC:  could not write to file\n")
    monkeypatch.setitem(conftest._SERVERS, "postgres", SimpleNamespace(data_dir=tmp_path))
    sections = _run_hook(_Report(failed, longrepr)).sections
    assert bool(sections) == shown
    if shown:
        assert sections[0][0] == "PostgreSQL server log (last lines)" and "PANIC" in sections[0][1]
