"""Running numbers of the city's registers (decrees, certificates, tracking numbers), one per kind and year."""

from collections import defaultdict


class Numbering:
    """The next number in a register, so every decree, certificate and case id is unique and in order."""

    def __init__(self) -> None:
        self._last: defaultdict[tuple[str, int], int] = defaultdict(int)

    def next(self, register: str, year: int) -> int:
        self._last[(register, year)] += 1
        return self._last[(register, year)]
