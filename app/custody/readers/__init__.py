"""Readers on the server side: registry and tokens, batch ingest, door / shelf / station rules, checks."""
