"""The web layer: FastAPI routers, Jinja2 pages and fragments, HTMX."""

from .application import create_app

__all__ = ["create_app"]
