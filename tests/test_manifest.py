"""The manifest's environment record: package versions read without importing importlib.metadata."""

from __future__ import annotations

from importlib import metadata

from course_core.artifacts.manifest import TRACKED_PACKAGES, installed_versions


def _metadata(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def test_versions_are_what_importlib_metadata_says():
    names = (*TRACKED_PACKAGES, "orjson", "jsonschema-specifications", "Jsonschema_Specifications", "no-such-package-here")
    assert installed_versions(names) == {name: _metadata(name) for name in names}
    assert installed_versions(("no-such-package-here",)) == {"no-such-package-here": None}
