"""The pipeline stages, one module each; `pipeline.cli` imports only the one it runs."""
