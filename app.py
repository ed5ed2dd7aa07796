"""ccdash: the Streamlit entry point (`streamlit run app.py`); the router lives in ccdash.app.router."""

from ccdash.app.router import main

main()
