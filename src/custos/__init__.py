"""Custos: prison case management for violent extremist prisoners."""
