{#- Primary key, single or composite: no two rows share the values of `columns`, and each of them is filled,
    except the `nullable` ones (a key part that is legitimately absent, e.g. a DREES table without sub-header:
    for uniqueness a null equals a null, as in `group by`). One test instead of unique + not_null; each failing
    row says which rule it breaks. -#}
{% test primary_key(model, columns, nullable=[]) %}
    {%- set columns_csv = columns | join(', ') %}
    {%- set required = columns | reject('in', nullable) | list %}
    select
        'doublon' as regle,
        {{ columns_csv }},
        count(*) as n_rows
    from {{ model }}
    group by {{ columns_csv }}
    having count(*) > 1
    {%- if required %}

    union all

    select
        'null' as regle,
        {{ columns_csv }},
        1 as n_rows
    from {{ model }}
    where
    {%- for column in required %}
        {{ 'or ' if not loop.first }}{{ column }} is null
    {%- endfor %}
    {%- endif %}
{% endtest %}
