"""Serving: the BentoML service, a thin adapter over ``skills_core.runtime`` (see ``service.py``)."""
