"""Who holds a token, kept until any token changes: a repeated request costs no token query.

Every request used to read its token's row (one pool checkout and one query, about a third of a
cached answer's cost). The token store notifies every change at commit
(``services.tokens.TOKENS_CHANNEL``: a revocation, a deletion); this process listens, and each
notification forgets every kept holder. So a revocation takes effect as soon as the notification
arrives (milliseconds), like a request whose check ran a moment before it; and a holder checked
while a change was being committed is filed under the generation before it and never served.

Only live tokens are kept, under the SHA-256 of the presented text: a wrong or revoked token is
checked against the database every time. While the listening connection is down the cache is
off and empties, because changes may have been missed.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from services.api.kept import KeptUntilChanged

if TYPE_CHECKING:  # auth uses this cache; the type only, to avoid the cycle
    from services.api.auth import Caller


class TokenCache(KeptUntilChanged[bytes, "Caller"]):
    """Holders of live tokens by the token's SHA-256, for one generation of the token store."""

    def __init__(self, max_entries: int = 4096) -> None:
        super().__init__(max_entries)

    def holder(self, token: str) -> Caller | None:
        return self.get(_key(token))

    def keep(self, token: str, generation: int, caller: Caller) -> None:
        """Keep ``caller``, checked against the store as it was at ``generation`` or later."""
        self.put(_key(token), generation, caller)


def _key(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()
