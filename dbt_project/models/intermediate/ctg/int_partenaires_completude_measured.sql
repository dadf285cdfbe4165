-- Completeness of what each partner sent, per kind of file, on the rows currently in the warehouse.
-- Mandatory columns are enforced at intake (a file missing one is refused); completeness measures the
-- optional fields that make the data useful:
--   indicators: a rate (%, ‰, ratio) comes with its numerator and denominator (so it can be re-aggregated);
--   CTG actions: start date, budget, linked indicator, baseline, target and latest value are filled;
--   forum priorities: no optional field counts, completeness is 1.
with

indicateurs as (

    select
        partenaire,
        type_fichier,
        count(*) as lignes,
        avg(
            case
                when unite not in ('%', '‰', 'ratio') then 1.0
                when numerateur is not null and denominateur is not null then 1.0
                else 0.0
            end
        ) as taux_completude
    from {{ ref('int_indicateurs_partenaires_unioned') }}
    group by partenaire, type_fichier

),

actions as (

    select
        partenaire,
        'actions_ctg' as type_fichier,
        count(*) as lignes,
        avg(
            (
                (date_debut is not null)::integer
                + (budget is not null)::integer
                + (indicateur_lie is not null)::integer
                + (valeur_reference is not null)::integer
                + (cible is not null)::integer
                + (derniere_valeur is not null)::integer
            ) / 6.0
        ) as taux_completude
    from {{ ref('stg_partenaires__actions_ctg') }}
    group by partenaire

),

forums as (

    select
        partenaire,
        'priorites_forum' as type_fichier,
        count(*) as lignes,
        1.0 as taux_completude
    from {{ ref('stg_partenaires__priorites_forum') }}
    group by partenaire

),

final as (

    select * from indicateurs
    union all
    select * from actions
    union all
    select * from forums

)

select * from final
