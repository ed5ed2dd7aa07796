"""Streamlit's upload endpoint, bounded for everyone: a file is kept only for a session signed in as
an administrator, and one file a session (the Data page's form holds one). Any other upload is
refused with HTTP 403 and its bytes dropped at once, so a visitor cannot fill the server's memory
through the endpoint with no file chooser on screen; the size of one file is server.maxUploadSize
(the shipped settings: 200 MB)."""

from __future__ import annotations

import time
from typing import Any

from starlette.exceptions import HTTPException
from streamlit import runtime

ADMIN_UNTIL = "_admin_until"  # session state: when the administrator's sign-in ends (monotonic)


def signed_in(session_state) -> bool:
    """Whether a session's state holds a live administrator's sign-in."""
    # The runtime's SessionState has `in` and `[]`, not always `.get`.
    until = session_state[ADMIN_UNTIL] if ADMIN_UNTIL in session_state else 0.0  # noqa: SIM401
    return time.monotonic() < until


def guard_uploads() -> None:
    """Once per server process (later calls find it done): wraps the runtime's uploaded-file manager
    so that it keeps a file only for an administrator's session, one at a time."""
    if not runtime.exists():  # AppTest: no server, no endpoint
        return
    rt = runtime.get_instance()
    files: Any = rt.uploaded_file_mgr  # the memory manager: it has add_file
    if getattr(files, "_ccdash_guarded", False):
        return
    keep = files.add_file
    sessions = rt._session_mgr  # no public way from a session id to its state

    def add_file(session_id: str, file) -> None:
        info = sessions.get_active_session_info(session_id)
        if info is None or not signed_in(info.session.session_state):
            raise HTTPException(403, "uploads are taken from a signed-in administrator only")
        files.remove_session_files(session_id)  # the one file this session holds is replaced
        keep(session_id, file)

    files.add_file = add_file
    files._ccdash_guarded = True
