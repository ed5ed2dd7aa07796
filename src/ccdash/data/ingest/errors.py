"""The one error ingest raises for input it cannot use at all."""


class IngestError(Exception):
    """Input that cannot be ingested at all; the message is one line for the user."""


def failure_line(error: Exception) -> str:
    """One line for any failure of one file's ingest: ingest's own message, the system's for a file
    or disk problem (unreadable, disk full), and for anything else what was raised, named as
    unexpected. Stored data is unchanged in every case (ingest publishes only a whole file)."""
    if isinstance(error, IngestError):
        return str(error)
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror or error}; nothing was written"
    first_line = (str(error).splitlines() or [""])[0][:200]
    return (
        f"unexpected error reading it ({type(error).__name__}: {first_line}); nothing was written"
    )
