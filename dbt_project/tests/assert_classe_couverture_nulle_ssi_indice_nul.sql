-- A coverage class exists exactly when its index does: the class macro ends in `else 5`, so a null index that
-- slipped past its null branch would be published as class 5 « très élevée » instead of no class; and in
-- fct_couverture_besoins the French label follows the class.
with

besoins as (

    select * from {{ ref('fct_couverture_besoins') }}

),

themes as (

    select * from {{ ref('fct_couverture_theme') }}

),

final as (

    select
        'fct_couverture_besoins' as modele,
        code_territoire,
        annee,
        indice_couverture,
        classe_couverture
    from besoins
    where
        (classe_couverture is null) != (indice_couverture is null)
        or (libelle_classe_couverture is null) != (classe_couverture is null)

    union all

    select
        'fct_couverture_theme' as modele,
        code_territoire,
        annee,
        indice_couverture,
        classe_couverture
    from themes
    where (classe_couverture is null) != (indice_couverture is null)

)

select * from final
