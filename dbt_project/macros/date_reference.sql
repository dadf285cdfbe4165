{#- The date against which the CTG action plan is judged (late flag): the dbt run's start date (UTC), or
    --vars '{date_reference: "2025-07-01"}' (unit tests, replaying a past state). -#}
{% macro date_reference() %}cast('{{ var("date_reference", run_started_at.strftime("%Y-%m-%d")) }}' as date){% endmacro %}
