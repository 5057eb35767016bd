"""Ingestion: read files, extract metadata and people, chunk and embed."""
