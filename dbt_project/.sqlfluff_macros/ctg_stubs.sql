{#- sqlfluff stand-in for macros/date_reference.sql. -#}
{% macro date_reference() %}cast('2025-07-01' as date){% endmacro %}
