"""Jinja2 templates and CSS for copro-scale reports; see copro_scale.reports."""
