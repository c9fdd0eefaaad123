"""Test harnesses for Maeul (real services started privately on loopback)."""
