"""Observatoire partagé des solidarités: orchestration glue (config, refresh, publish, CLI)."""
