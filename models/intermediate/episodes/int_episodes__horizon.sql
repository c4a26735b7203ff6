{#- The data horizon: the moment up to which the warehouse has complete deliveries (UTC midnight
    after the latest delivery date), or the as_of var when a restatement fixes it. Outcomes whose
    window has not elapsed by then are immature and are not counted yet. -#}
with

contact_records as (
    select * from {{ ref('stg_amazon_connect__contact_records') }}
),

latest_delivery as (
    select max(delivery_date) as latest_delivery_date
    from contact_records
),

final as (
    select
        latest_delivery_date,
        {%- if var('as_of') %}
        cast('{{ var("as_of") }}' as {{ dbt.type_timestamp() }}) as as_of_at
        {%- else %}
            cast({{ dbt.dateadd('day', 1, 'latest_delivery_date') }} as {{ dbt.type_timestamp() }}) as as_of_at
        {%- endif %}
    from latest_delivery
)

select * from final
