{#- Stand-ins used only by sqlfluff's jinja templater (dbt's own templater is not installed):
    they render dbt calls to plain identifiers / literals so the SQL can be parsed and linted. -#}
{% macro ref(model_name, version=none) %}{{ model_name }}{% endmacro %}
{% macro source(source_name, table_name) %}{{ source_name }}__{{ table_name }}{% endmacro %}
{% macro var(name, default=none) %}32{% endmacro %}
{% macro env_var(name, default=none) %}{{ default or name }}{% endmacro %}
