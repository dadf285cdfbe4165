{#- The offer's place in the referential, shared by the four offer-source mappings (intermediate/offre/sources/):
    the mapped action, institution and public, or the « non classé » bucket of the seeds (NC-NC-NC, NC, NC)
    when the source's category has no mapping; est_classe says which. -#}
{% macro offre_classement(action, institution, public) -%}
    {{ action }} is not null as est_classe,
    coalesce({{ action }}, 'NC-NC-NC') as code_action,
    coalesce({{ institution }}, 'NC') as code_institution,
    coalesce({{ public }}, 'NC') as code_public
{%- endmacro %}
