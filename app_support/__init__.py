"""The app layer: session state, caching, share links, charts and page furniture.

Streamlit and Altair live here and in pages/, never in planning/. Pages stay thin: they
read widgets, call the core (through the cache in :mod:`app_support.cache`), and draw.
"""
