"""The one error ingest raises for input it cannot use at all."""


class IngestError(Exception):
    """Input that cannot be ingested at all; the message is one line for the user."""
