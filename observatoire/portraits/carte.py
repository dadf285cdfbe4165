"""The territory's map as inline SVG, drawn from the shipped contours (marts.geo_territoire): no tile server.

One equirectangular projection (longitude scaled by the cosine of the mean latitude) fitted on every contour of
the warehouse, so every portrait shows its territory in the same frame: the département's communes in grey,
the territory's in colour. Areas come from the same contours (simplified IGN contours: an approximation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

EARTH_RADIUS_KM = 6371.0088
WIDTH = 480.0
MIN_STEP_PX = 0.6  # points closer than this to the previous kept one are dropped (invisible at this size)


def _rings(coordinates: list) -> list[list[list[float]]]:
    return [ring for polygon in coordinates for ring in polygon]


def area_km2(coordinates: list) -> float:
    """Area of a GeoJSON MultiPolygon (outer ring first, then holes), on a local equirectangular projection."""
    total = 0.0
    for polygon in coordinates:
        for i, ring in enumerate(polygon):
            lat0 = math.radians(sum(p[1] for p in ring) / len(ring))
            pts = [(math.radians(x) * math.cos(lat0) * EARTH_RADIUS_KM, math.radians(y) * EARTH_RADIUS_KM)
                   for x, y in ring]
            shoelace = abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1],
                                                                                 strict=True))) / 2
            total += shoelace if i == 0 else -shoelace
    return total


@dataclass
class Carte:
    paths: dict[str, str]  # code_territoire -> SVG path data in the common frame
    height: float

    @classmethod
    def build(cls, contours: dict[str, list]) -> Carte:
        points = [p for coords in contours.values() for ring in _rings(coords) for p in ring]
        if not points:
            return cls({}, 0.0)
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        kx = math.cos(math.radians((min(ys) + max(ys)) / 2))
        scale = WIDTH / ((max(xs) - min(xs)) * kx or 1)
        x0, y1 = min(xs), max(ys)

        def path(coords: list) -> str:
            parts = []
            for ring in _rings(coords):
                kept, last = [], None
                for lon, lat in ring:
                    pt = (round((lon - x0) * kx * scale, 1), round((y1 - lat) * scale, 1))
                    if last is None or abs(pt[0] - last[0]) + abs(pt[1] - last[1]) >= MIN_STEP_PX:
                        kept.append(pt)
                        last = pt
                if len(kept) >= 3:
                    parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in kept) + "Z")
            return "".join(parts)

        return cls({code: path(coords) for code, coords in contours.items()}, (y1 - min(ys)) * scale)

    def svg(self, libelle: str, codes_surlignes: list[str], contour: str | None = None) -> Markup:
        """The département's communes in grey, `codes_surlignes` in colour, `contour` (an EPCI) outlined."""
        if not self.paths:
            return Markup("")
        fond = "".join(p for code, p in self.paths.items() if code.startswith("COM-"))
        ici = "".join(self.paths[c] for c in codes_surlignes if c in self.paths)
        bord = self.paths.get(contour or "", "")
        return Markup(
            f'<svg class="carte" viewBox="-2 -2 {WIDTH + 4:g} {self.height + 4:.0f}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg" aria-label="Carte : {escape(libelle)}">'
            f"<title>{escape(libelle)}</title>"
            f'<path d="{fond}" fill="#eceff3" stroke="#ffffff" stroke-width="0.4"/>'
            f'<path d="{ici}" fill="#2f6f9f" stroke="#ffffff" stroke-width="0.4"/>'
            + (f'<path d="{bord}" fill="none" stroke="#16324a" stroke-width="1.2"/>' if bord else "")
            + "</svg>"
        )
