"""Portraits de territoire: one printable document per EPCI and territoire d'action (issue 15), built only from
the published warehouse. See README.md in this folder."""

from observatoire.portraits.data import DIFFUSIONS, PortraitError
from observatoire.portraits.generate import Portraitiste

__all__ = ["DIFFUSIONS", "PortraitError", "Portraitiste"]
