"""Generators of the committed DEMONSTRATION data and example territoires d'action files (run by hand)."""
