"""The Streamlit dashboard: thin pages over `mining`, drawn with Plotly."""
