"""Maeul (마을): an open IoT and civic-services platform for local governments."""

__version__ = "0.1.0"
