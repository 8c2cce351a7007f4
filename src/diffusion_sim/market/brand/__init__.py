"""Brand-wide behaviour in every play: advocacy posts, settlement, group broadcasts."""
