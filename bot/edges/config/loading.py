"""Reading config files: TOML and the SKU overrides CSV, errors as `file: key: what is wrong`."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .base import ConfigError
from .settings import Settings


def load_settings(path: str | Path, overrides: dict[str, Any] | None = None, *,
                  resolve_secrets: bool = True) -> Settings:
    """Read and validate a TOML config; raise ConfigError naming file, key and problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update(values)
    return settings_from_dict(data, str(path), resolve_secrets=resolve_secrets)


def settings_from_dict(data: dict[str, Any], source: str = "<memory>", *,
                       resolve_secrets: bool = True) -> Settings:
    """Validate; `resolve_secrets=False` lets check-config list every missing secret at once
    instead of stopping at the first."""
    try:
        settings = Settings.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise ConfigError(_format_error(source, exc)) from None
    if resolve_secrets:
        settings.secret_key()  # fail now, not at the first reply
    if settings.policy.sku_overrides_file:
        try:
            load_sku_overrides(settings.policy.sku_overrides_file)
        except ConfigError as exc:
            raise ConfigError(f"{source}: policy.sku_overrides_file: {exc}") from None
    return settings


def _format_error(source: str, err: ValidationError) -> str:
    """One line per problem, in the seller's words rather than pydantic's."""
    lines = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key (typo?)"
        elif e["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"{source}: {key}: {msg}")
    return "\n".join(lines)


def load_sku_overrides(path: str | Path) -> dict[str, str]:
    """`sku,action` lines (action: authorize | manual), '#' comments; errors name the line."""
    out: dict[str, str] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    for number, line in enumerate(lines, start=1):
        line = line.split("#", 1)[0].strip()
        if not line or line.lower().replace(" ", "") in ("sku,action", "sku;action"):
            continue
        sku, sep, action = line.replace(";", ",").partition(",")
        action = action.strip().lower()
        if not sep or not sku.strip() or action not in ("authorize", "manual"):
            raise ConfigError(f"{path}: line {number}: expected 'SKU,authorize' or "
                              f"'SKU,manual', got {line!r}")
        out[sku.strip()] = action
    return out
