with

politiques as (

    select * from {{ ref('offre_politiques') }}

),

missions as (

    select * from {{ ref('offre_missions') }}

),

actions as (

    select * from {{ ref('offre_actions') }}

),

final as (

    select
        actions.code_action,
        actions.libelle as libelle_action,
        actions.description as description_action,
        missions.code_mission,
        missions.libelle as libelle_mission,
        missions.description as description_mission,
        politiques.code_politique,
        politiques.libelle as libelle_politique,
        politiques.description as description_politique,
        politiques.ordre as ordre_politique,
        politiques.code_politique = 'NC' as est_non_classe
    from actions
    inner join missions on actions.code_mission = missions.code_mission
    inner join politiques on missions.code_politique = politiques.code_politique

)

select * from final
