"""HTTP routes of the local OpenAI-compatible server, one module per API area."""
