"""The few exception classes of the archive; every message names the value and the fix."""

from __future__ import annotations


class ArkivError(Exception):
    """Base class: an error the CLI and the app show as one clean line."""


class UnsupportedFileError(ArkivError):
    """A file whose type the archive cannot read; it is skipped with this reason."""


class UnreadableFileError(ArkivError):
    """A file of a supported type that could not be read (corrupt, encrypted, empty, too big)."""


class EmbedderError(ArkivError):
    """An embedding model that cannot be loaded or used."""


class ArchiveIndexError(ArkivError):
    """A missing, locked, damaged or mismatched index."""


class ConfigError(ArkivError):
    """An invalid setting or argument."""

