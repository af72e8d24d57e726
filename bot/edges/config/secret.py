"""Secrets kept out of the config file: inline, from an environment variable, or a command."""

from __future__ import annotations

import os
import shlex
import subprocess

from .base import ConfigError, Section


def resolve_secret(what: str, inline: str | None, env: str | None,
                   command: str | None) -> str | None:
    """The first of inline value, `env` variable, `command` output that is given; None if
    none is. A named variable that is unset or a failing command is a ConfigError on `what`."""
    if inline is not None:
        return inline
    if env:
        value = os.environ.get(env)
        if value is None:
            raise ConfigError(f"{what}_env: environment variable {env} is not set")
        return value
    if command:
        return _command_output(what, command)
    return None


def _command_output(what: str, command: str) -> str:
    try:
        done = subprocess.run(shlex.split(command), capture_output=True, text=True,
                              timeout=30, check=False)
    except OSError as exc:
        raise ConfigError(f"{what}_command: cannot run: {exc}") from None
    if done.returncode != 0:
        raise ConfigError(f"{what}_command: exited {done.returncode}: "
                          f"{done.stderr.strip()[:200]}")
    return done.stdout.rstrip("\n")


class Secret(Section):
    """A login secret given inline, by environment variable, or by a command's output."""

    password: str | None = None
    password_env: str | None = None
    password_command: str | None = None

    def resolve_password(self, section: str) -> str | None:
        return resolve_secret(f"{section}.password", self.password, self.password_env,
                              self.password_command)
