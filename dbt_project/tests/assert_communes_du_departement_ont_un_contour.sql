-- Every commune of the configured département has a contour, as soon as the contours cover that département
-- (the offline snapshot covers the Gers and the Pyrénées-Atlantiques).
with

communes as (

    select * from {{ ref('dim_territoire') }}
    where niveau = 'commune' and est_dans_departement

),

contours as (

    select * from {{ ref('geo_territoire') }}

),

departement_couvert as (

    select count(*) > 0 as est_couvert
    from contours
    inner join communes on contours.code_territoire = communes.code_territoire

),

final as (

    select communes.code_territoire
    from communes
    cross join departement_couvert
    left join contours on communes.code_territoire = contours.code_territoire
    where departement_couvert.est_couvert and contours.code_territoire is null

)

select * from final
