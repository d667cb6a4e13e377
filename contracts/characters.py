"""Which characters a field may hold, so that a value is what it looks like.

Codes and ids are printable ASCII: a look-alike letter (Cyrillic U+0410 for Latin "A"), a
fullwidth form or another script's digit would make a second record that reads like the first.
Text (names, summaries, reasons) may be written in any script, but no field holds a control
character other than tab and line breaks, nor an invisible format character (Unicode category
Cf): a bidi control shows text in another order than it is stored (U+202E makes "gnp.exe" read
"exe.png"), and a zero-width character makes two different values look alike.
"""

import re
import unicodedata

PRINTABLE_ASCII_PATTERN = r"^[!-~]([ -~]*[!-~])?$"
"""The JSON Schema pattern of every code and id: printable ASCII, no space at either end."""
PRINTABLE_ASCII = "printable ASCII (letters A-Z a-z, digits 0-9, punctuation, and spaces between them)"

_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS_AND_TAB = frozenset("\t\n\r")
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
CONTROL = "a control character (only tab and line breaks are allowed in text)"
BIDI_CONTROL = "a bidi control, which shows text in another order than it is stored"
INVISIBLE = "an invisible format character (zero-width or the like), which makes different values look alike"


def describe(char: str) -> str:
    """How a refusal names a character: ``U+202E RIGHT-TO-LEFT OVERRIDE`` (controls have no name)."""
    return f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()


def check_printable_ascii(value: object) -> object:
    """Refuse a code or id holding anything but printable ASCII, naming the first such character.

    A before-validator (other types pass, for the type check to refuse), so that this message is
    the one a sender reads, not the bare pattern the schema also states.
    """
    if isinstance(value, str) and not (value.isascii() and value.isprintable()):
        index, char = next((i, c) for i, c in enumerate(value) if not " " <= c <= "~")
        raise ValueError(f"an id or code must be {PRINTABLE_ASCII}; found {describe(char)} at character {index + 1}")
    return value


def hidden_character(text: str) -> tuple[int, str, str] | None:
    """The first character of ``text`` that no field may hold: its index, itself, and what it is."""
    if text.isascii():  # the common case, without a loop in Python
        match = _ASCII_CONTROL.search(text)
        return None if match is None else (match.start(), match.group(), CONTROL)
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Cc" and char not in _LINE_BREAKS_AND_TAB:
            return index, char, CONTROL
        if category == "Cf":
            return index, char, BIDI_CONTROL if char in _BIDI_CONTROLS else INVISIBLE
    return None
