{#- The five fixed classes of a coverage index (100 = the configured département's level), shared by
    fct_couverture_besoins and fct_couverture_theme: 1 < 50, 2 [50, 80), 3 [80, 120), 4 [120, 150), 5 >= 150. -#}
{% macro classe_couverture(indice) -%}
    case
        when {{ indice }} is null then null
        when {{ indice }} < 50 then 1
        when {{ indice }} < 80 then 2
        when {{ indice }} < 120 then 3
        when {{ indice }} < 150 then 4
        else 5
    end
{%- endmacro %}
