"""An Open311 error: the spec's ``{code, description}`` with an HTTP status; the description is Korean, then English."""

from __future__ import annotations


class Open311Error(Exception):
    def __init__(self, status: int, en: str, ko: str) -> None:
        super().__init__(en)
        self.status, self.en, self.ko = status, en, ko

    @property
    def description(self) -> str:
        return f"{self.ko} / {self.en}"


def bad(en: str, ko: str) -> Open311Error:
    return Open311Error(400, en, ko)
