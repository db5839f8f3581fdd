"""Headless subcommands of the tuiftune CLI."""
