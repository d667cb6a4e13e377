"""A seeded generator of a realistic city (Sawahlunto) and a publisher that loads it into Jejak."""
