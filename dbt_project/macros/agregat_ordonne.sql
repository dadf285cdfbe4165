{#- An aggregate of DOUBLE values computed in a fixed order (`ordre`), whatever order the rows arrive in and
    however many threads DuckDB runs: the values are gathered into a list sorted by `ordre`, then folded by the
    same aggregate (`fonction`: 'sum', 'avg', 'stddev_pop'…) in that order. For sums of doubles that are not
    exact decimals (ratios, indices): a plain sum(double) moves in its ~15th digit from one build to the next
    when rows arrive in another order. `filtre`: an optional FILTER condition. Null for no value, as sum(). -#}
{% macro agregat_ordonne(fonction, expression, ordre, filtre=none) -%}
    list_aggregate(list({{ expression }} order by {{ ordre }}){% if filtre %} filter (where {{ filtre }}){% endif %}, '{{ fonction }}')
{%- endmacro %}
