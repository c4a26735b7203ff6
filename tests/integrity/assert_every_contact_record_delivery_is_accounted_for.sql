-- Every contact record line landed in raw is accounted for in staging: either as the version kept
-- for its ContactId or as one of the duplicates / earlier versions counted with it. Returns a row
-- when the two totals differ.
with

raw_lines as (
    select count(*) as line_count
    from {{ source('amazon_connect', 'contact_records') }}
),

staged as (
    select sum(delivered_version_count) as line_count
    from {{ ref('stg_amazon_connect__contact_records') }}
)

select
    raw_lines.line_count as raw_line_count,
    staged.line_count as staged_line_count
from raw_lines
cross join staged
where raw_lines.line_count <> coalesce(staged.line_count, 0)
