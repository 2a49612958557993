"""Shared fixtures: a CliRunner that runs ``ccare`` in-process, and the shipped map."""

from __future__ import annotations

import json
import shlex

import pytest
from click.testing import CliRunner

from ccare.cli import cli
from ccare.kb import load


class Ccare:
    """Run ``ccare`` commands the way a user types them."""

    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args, input=None, env=None):
        if len(args) == 1 and isinstance(args[0], str) and " " in args[0]:
            args = tuple(shlex.split(args[0]))
        return self.runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False, prog_name="ccare")

    def json(self, *args):
        r = self(*args, "--format", "json")
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)


@pytest.fixture
def ccare():
    return Ccare()


@pytest.fixture(scope="session")
def kb():
    return load()
