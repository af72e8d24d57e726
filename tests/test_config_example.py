"""config.example.toml is the complete reference and cannot drift from the settings model.

Its MINIMAL part is a config on its own; its REFERENCE part, uncommented, is a valid config
that names every key the model has, each set to the model's default (keys whose default is
"none" show an example instead). A key added to bot/config.py without documenting it fails here.
"""

from __future__ import annotations

import re
import tomllib
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bot.edges.config import Settings, settings_from_dict

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"
REFERENCE_MARK = "# ================================ REFERENCE"
KEY_LINE = re.compile(r"^# (\[\[?[\w.]+\]\]?|[A-Za-z_][\w]* =)")
#: Not keys a seller sets: the source file name sellerbot records itself.
INTERNAL = {"source"}


def minimal_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8").split(REFERENCE_MARK, 1)[0]


def reference() -> dict[str, Any]:
    """The REFERENCE part with its key lines uncommented, parsed as TOML."""
    part = EXAMPLE.read_text(encoding="utf-8").split(REFERENCE_MARK, 1)[1]
    lines = [line[2:] for line in part.splitlines() if KEY_LINE.match(line)]
    return tomllib.loads("\n".join(lines))


def _submodel(annotation: Any) -> type[BaseModel] | None:
    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
        stack.extend(typing.get_args(a))
    return None


def _walk(model: type[BaseModel], doc: dict[str, Any], prefix: str,
          missing: list[str], wrong: list[str]) -> None:
    for name, field in model.model_fields.items():
        if name in INTERNAL:
            continue
        path = f"{prefix}{name}"
        if name not in doc:
            missing.append(path)
            continue
        value = doc[name]
        sub = _submodel(field.annotation)
        if sub is not None:
            if typing.get_origin(field.annotation) is dict:  # {marketplace: sub-table}
                value = list(value.values())
            for entry in value if isinstance(value, list) else [value]:
                _walk(sub, entry, f"{path}.", missing, wrong)
            continue
        if not field.is_required():
            default = field.get_default(call_default_factory=True)
            if default is not None and value != default:
                wrong.append(f"{path} = {value!r}, but the default is {default!r}")


def test_reference_names_every_key_with_its_default() -> None:
    missing: list[str] = []
    wrong: list[str] = []
    _walk(Settings, reference(), "", missing, wrong)
    assert not missing, f"keys missing from config.example.toml: {missing}"
    assert not wrong, f"config.example.toml shows a value that is not the default: {wrong}"


def test_reference_uncommented_is_a_valid_config() -> None:
    data = reference()
    data["policy"]["sku_overrides_file"] = None  # an example path, read at load
    settings_from_dict(data, "config.example.toml (reference)", resolve_secrets=False)


def test_minimal_part_alone_is_a_valid_config() -> None:
    data = tomllib.loads(minimal_text())
    settings = settings_from_dict(data, "config.example.toml (minimal)", resolve_secrets=False)
    assert settings.bot.secret_env and settings.imap and settings.buyer.sender
    # Nothing beyond what a seller must fill in.
    assert set(data) == {"seller", "bot", "imap", "smtp", "buyer"}
    assert set(data["seller"]) == {"name", "addresses"}
