"""The served application: HTTP API, web chat, feedback, and the local model server."""
