"""Bounds shared by every config model: strings, paths, ids, topics and numbers.

A config is read by a long-running device, so every value has a bound that
holds at run time, not only a type: a 70,000-character client id once killed
paho's network thread while the device looked alive, a NUL byte in a path
failed only when the file was opened, and TOML's ``inf``/``nan`` literals
satisfied every ``ge=0``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

MAX_PATH_CHARS = 1024
MAX_TEXT_CHARS = 256
"""Upper bounds of a path and of any other config string."""


def _path_text(value: Any) -> Any:
    """Paths are checked as text first: an empty path would silently mean the
    current directory and a NUL byte fails only when the device opens the file."""
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("path is empty")
        if "\x00" in value:
            raise ValueError("path contains a NUL byte")
        if len(value) > MAX_PATH_CHARS:
            raise ValueError(f"path is longer than {MAX_PATH_CHARS} characters")
    return value


SafePath = Annotated[Path, BeforeValidator(_path_text)]
"""A file path: not empty, no NUL byte, at most MAX_PATH_CHARS characters."""

Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS, pattern=r"^[^\x00-\x1f]*$")]
"""Free text (names, departments): bounded, no control characters."""

ClientId = Annotated[
    str,
    Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"),
]
"""An MQTT client id: bounded and free of wildcards, slashes and spaces."""

Identifier = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"),
]
"""Ids (device, store, zone, display, camera) appear in MQTT topics, so they may
not contain '/', '+', '#' or spaces."""

HostName = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9_.:\-\[\]%]+$")]
"""A host name or IP address (IPv6 in brackets, with a zone after '%')."""

Port = Annotated[int, Field(ge=1, le=65535)]
"""A TCP port to connect to or listen on."""

ConcreteTopic = Annotated[
    str,
    Field(min_length=1, max_length=MAX_TEXT_CHARS, pattern=r"^[^$+#\x00-\x1f][^+#\x00-\x1f]*$"),
]
"""A topic the device publishes or subscribes to by name: no '+'/'#' wildcards."""


STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, str_max_length=MAX_PATH_CHARS)
"""Model config of every config section: unknown keys are errors, floats are
finite, no string is longer than a path."""


class StrictModel(BaseModel):
    """Base of every config section (:data:`STRICT`): a typo is an error, not a
    silently ignored setting, and no value is unbounded."""

    model_config = STRICT
