"""Stint: team time tracking sold per named user."""

__version__ = "0.1.0"
