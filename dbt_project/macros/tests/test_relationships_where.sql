{#- Foreign key towards a filtered subset of the parent, e.g. dim_territoire.code_epci must be the `code`
    of a territory of niveau 'epci'. Null child values are not checked (use not_null for that). -#}
{% test relationships_where(model, column_name, to, field, to_condition) %}
    with children as (
        select {{ column_name }} as child_value
        from {{ model }}
        where {{ column_name }} is not null
    ),

    parents as (
        select {{ field }} as parent_value
        from {{ to }}
        where {{ to_condition }}
    )

    select children.child_value
    from children
    left join parents on children.child_value = parents.parent_value
    where parents.parent_value is null
{% endtest %}
