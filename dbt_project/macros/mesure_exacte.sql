{#- A measure value that is SUMMED, as an exact decimal: DECIMAL(38, 15). DuckDB sums a DECIMAL exactly (in a
    HUGEINT), so a sum does not depend on the order rows arrive in nor on the number of threads; a sum of doubles
    does (its ~15th digit moves). Scale 15: the most decimals a source carries (INSEE Comparateur weighted counts,
    e.g. 0.862845363628102); a double read from such a text has at most 15 significant digits, so casting it at
    scale 15 gives back the source's decimal exactly. 23 integer digits are left for sums. Converted to DOUBLE
    only where a ratio is computed or a contract says double. -#}
{% macro mesure_exacte(expression) %}({{ expression }})::decimal(38, 15){% endmacro %}
