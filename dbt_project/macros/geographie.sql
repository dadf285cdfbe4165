{#- Geography helpers of the proximity indicators (no spatial extension is available offline). -#}

{#- Great-circle (haversine) distance in km between two WGS84 points, on a sphere of radius 6 371 km (mean
    Earth radius). Straight-line distance « à vol d'oiseau », not a travel distance. -#}
{% macro haversine_km(lat1, lon1, lat2, lon2) -%}
    2 * 6371.0 * asin(sqrt(
        pow(sin(radians({{ lat2 }} - {{ lat1 }}) / 2), 2)
        + cos(radians({{ lat1 }})) * cos(radians({{ lat2 }})) * pow(sin(radians({{ lon2 }} - {{ lon1 }}) / 2), 2)
    ))
{%- endmacro %}

{#- Lambert 93 (RGF93 / EPSG:2154, the metres of FINESS `geolocalisation` lines) → WGS84 degrees. Inverse of
    the secant conic conformal projection on GRS80 (IGN note NTG_71, constants n, c, xs, ys of Lambert 93):
    R and γ from (x, y), longitude = 3° + γ / n, isometric latitude L = -ln(R / c) / n, conformal latitude
    χ = 2·atan(exp L) − π/2, then the geodetic latitude by the series φ = χ + Σ a_k sin(kχ) in the powers of e²
    (the closed form of IGN's ALG0001 iteration; error below 1e-9 rad, i.e. under a millimetre). RGF93 and
    WGS84 coincide to within a metre, far below what a distance in km needs. Checked in tests/test_proximite.py
    against the projection origin (700 000, 6 600 000) = (3°E, 46.5°N) and against points projected forward. -#}
{% macro lambert93_longitude(x, y) -%}
    (3.0 + degrees(atan2(({{ x }}) - 700000.0, 12655612.0499 - ({{ y }})) / 0.7256077650532670))
{%- endmacro %}

{% macro lambert93_latitude(x, y) -%}
    {%- set e2 = 0.00669438002290 -%}
    {%- set a2 = e2 / 2 + 5 * e2 ** 2 / 24 + e2 ** 3 / 12 + 13 * e2 ** 4 / 360 -%}
    {%- set a4 = 7 * e2 ** 2 / 48 + 29 * e2 ** 3 / 240 + 811 * e2 ** 4 / 11520 -%}
    {%- set a6 = 7 * e2 ** 3 / 120 + 81 * e2 ** 4 / 1120 -%}
    {%- set a8 = 4279 * e2 ** 4 / 161280 -%}
    {%- set chi -%}
        (2 * atan(exp(-ln(sqrt(pow(({{ x }}) - 700000.0, 2) + pow(12655612.0499 - ({{ y }}), 2))
            / 11754255.4261) / 0.7256077650532670)) - pi() / 2)
    {%- endset -%}
    degrees({{ chi }}
        + {{ a2 }} * sin(2 * {{ chi }}) + {{ a4 }} * sin(4 * {{ chi }})
        + {{ a6 }} * sin(6 * {{ chi }}) + {{ a8 }} * sin(8 * {{ chi }}))
{%- endmacro %}

{#- One row per polygon of each territory's GeoJSON MultiPolygon (column geojson of `contours`): code_territoire,
    numero_polygone (1, 2…) and contour, the polygon as a JSON list of rings — what deck.gl's polygon layer
    draws, one ring list per row (panorama_carte, proximite_carte). -#}
{% macro polygones_contours(contours) -%}
    select
        code_territoire,
        unnest(range(json_array_length(geojson, '$.coordinates')::integer)) + 1 as numero_polygone,
        unnest(json_extract(geojson, '$.coordinates[*]'))::varchar as contour
    from {{ contours }}
{%- endmacro %}
