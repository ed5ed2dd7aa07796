"""The page scripts st.navigation runs (thin: each draws one page through ccdash.app)."""
