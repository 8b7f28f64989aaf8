"""Instrument definitions (YAML) shipped with copro-scale; see copro_scale.instrument."""
