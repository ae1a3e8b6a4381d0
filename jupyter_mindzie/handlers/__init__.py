"""Tornado handlers of the mindzie API, one module per resource."""
