"""The pages of the Streamlit app; each file is one page run by st.navigation in app.py."""
