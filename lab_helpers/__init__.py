"""Helpers the workshop notebooks call."""
