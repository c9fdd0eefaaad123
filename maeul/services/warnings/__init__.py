"""Disaster and environment monitoring with warnings to residents (CAP 1.2): 재난·환경 감시와 주민 경보."""
