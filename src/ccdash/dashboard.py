"""The Streamlit script: `python -m ccdash serve` (or `streamlit run` this file); pages in app_pages/."""

from ccdash.app.router import main

main()
