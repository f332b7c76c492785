"""Concord's HTTP API: ``create_app`` builds it, ``concord serve`` runs it."""

from concord.api.app import create_app

__all__ = ["create_app"]
