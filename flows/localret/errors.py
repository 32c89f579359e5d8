"""Errors the operator reads: always a file, a row, a field and a plain reason."""

from __future__ import annotations


class LocalretError(Exception):
    """An expected failure: reported as a message and an exit code, never a traceback."""

    exit_code = 1


class SourceError(LocalretError):
    """A source file that cannot be read as a table at all (encoding, format, header)."""

    def __init__(self, file: str, row: int | None, field: str | None, reason: str):
        self.file, self.row, self.field, self.reason = file, row, field, reason
        super().__init__(self.describe())

    def describe(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"fila/row {self.row}")
        if self.field is not None:
            where.append(f"camp/field '{self.field}'")
        return f"{', '.join(where)}: {self.reason}"


class InvalidSources(LocalretError):
    """Validation found errors: nothing may be published."""

    def __init__(self, report):
        self.report = report
        super().__init__(f"{report.error_count} errors de validació / validation errors")


class UsageError(LocalretError):
    exit_code = 2


class PublishError(LocalretError):
    """The output could not be written; earlier releases are untouched."""

    exit_code = 3


def could_not_write(exc: OSError, where) -> PublishError:
    """The one message for an output that cannot be written (full disk, read-only, permissions)."""
    return PublishError(f"{exc.filename or where}: no s'ha pogut escriure / could not write: {exc.strerror or exc}")


class Busy(LocalretError):
    """Another run holds the output folder."""

    exit_code = 5
