{#- Custom schema names are used as-is ("marts", not "main_marts"): the published contract names the
    schema `marts`, and staging / intermediate / seeds get their own plain schemas. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
