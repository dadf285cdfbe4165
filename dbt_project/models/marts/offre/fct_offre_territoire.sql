-- Count and capacity of the offer per territory (every level) x counting mode x action x institution x public.
-- Rows of one territory and one mode partition its offers (one action, institution and public per offer), so
-- they add up across actions, missions, politiques, institutions and publics; 'desserte' rows do not add up
-- across territories (an offer serving several territories counts in each).
with

offres as (

    select * from {{ ref('fct_offre') }}

),

comptages as (

    select * from {{ ref('int_offre_territoires_counted') }}

),

actions as (

    select * from {{ ref('dim_action') }}

),

aggregated as (

    select
        comptages.code_territoire,
        comptages.mode_comptage,
        offres.code_action,
        offres.code_institution,
        offres.code_public,
        count(*) as nb_offres,
        count(offres.capacite) as nb_offres_avec_capacite,
        coalesce(sum(offres.capacite), 0) as capacite,
        bool_or(offres.est_demonstration) as est_demonstration
    from comptages
    inner join offres on comptages.code_offre = offres.code_offre
    group by all

),

final as (

    select
        aggregated.code_territoire,
        aggregated.mode_comptage,
        aggregated.code_action,
        actions.code_mission,
        actions.code_politique,
        aggregated.code_institution,
        aggregated.code_public,
        aggregated.nb_offres,
        aggregated.nb_offres_avec_capacite,
        aggregated.capacite,
        aggregated.est_demonstration
    from aggregated
    inner join actions on aggregated.code_action = actions.code_action

)

select * from final
