"""AppTest as a running server sees the app: shared by the tests and the app benchmark."""

from __future__ import annotations

from typing import Any

from streamlit.runtime.pages_manager import PagesManager


class ServerPagesManager(PagesManager):
    """AppTest's pages manager, as a running server's is once app.py has run.

    AppTest forgets between runs that app.py calls ``st.navigation``, so every run would
    start in Streamlit's folder-based mode for ``pages/``, which a server leaves for good
    on its first run. The guard that handles that first run is tested on its own
    (``test_app.py``, deep links to a fresh server).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False
