"""What every route may ask for: the process's database pool."""

from typing import Annotated

from fastapi import Depends, Request
from psycopg_pool import AsyncConnectionPool


def pool_of(request: Request) -> AsyncConnectionPool:
    pool: AsyncConnectionPool = request.app.state.pool
    return pool


Pool = Annotated[AsyncConnectionPool, Depends(pool_of)]
