-- fct_cost_lines: every staged request priced exactly at list and contracted prices, per token kind
-- grain: one row per request (request_id): every stg_requests row of the window, exactly once
-- materialization: partitioned(request_date)
--
-- Prices come from dim_prices (SCD-2). A price row applies to a request when provider, model,
-- token kind and service tier match ('*' = any tier, contracts only; an exact tier beats '*'), the
-- request day is in [valid_from, valid_to), and the request's total input_tokens reaches
-- min_input_tokens (the highest such tier wins: long-context prices). A kind without a contract
-- row uses its list price. Validity periods never overlap for one key (pipelines.lib.pricing) and
-- row_number() keeps one price per kind, so no request is ever duplicated.
-- Costs are tokens * (unit_price * 0.000001) as DECIMAL(38,18): exact, never a division. A request
-- with tokens of a kind that has neither price is 'unpriced' with NULL costs (never 0); app-cache
-- hits and calls with zero tokens are 'no_provider_call' with zero costs.
-- Set-based: prices are resolved once per (provider, model, service_tier, request_date, input
-- band), bands being cut at every min_input_tokens threshold; each request joins its one band.

with

requests as (
    select * exclude (source_format, source_file, source_line)
    from stg_requests
    where request_date >= $start_date and request_date < $end_date
),

prices as (
    select
        price_id, price_type, provider, model, service_tier, token_kind, min_input_tokens,
        unit_price, currency, valid_from, valid_to
    from dim_prices
),

price_keys as (
    -- Read from stg_requests, not from `requests`: a CTE read twice is materialised in full.
    select distinct provider, model, service_tier, request_date
    from stg_requests
    where request_date >= $start_date and request_date < $end_date
),

candidate_prices as (
    select
        k.provider, k.model, k.service_tier, k.request_date,
        p.price_type, p.token_kind, p.min_input_tokens, p.unit_price, p.currency, p.price_id,
        p.service_tier = '*' as any_tier
    from price_keys as k
    inner join prices as p
        on p.provider = k.provider
        and p.model = k.model
        and p.service_tier in (k.service_tier, '*')
        and p.valid_from <= k.request_date
        and (p.valid_to is null or p.valid_to > k.request_date)
),

band_starts as (
    select provider, model, service_tier, request_date, cast(0 as bigint) as band_lo
    from price_keys
    union
    select provider, model, service_tier, request_date, min_input_tokens as band_lo
    from candidate_prices
),

bands as (
    select
        *,
        lead(band_lo) over (
            partition by provider, model, service_tier, request_date order by band_lo
        ) as band_hi
    from band_starts
),

chosen_prices as (
    select
        b.provider, b.model, b.service_tier, b.request_date, b.band_lo,
        c.price_type || ':' || c.token_kind as slot,
        c.min_input_tokens, c.unit_price, c.currency, c.price_id
    from bands as b
    inner join candidate_prices as c
        on c.provider = b.provider
        and c.model = b.model
        and c.service_tier = b.service_tier
        and c.request_date = b.request_date
        and c.min_input_tokens <= b.band_lo
    qualify row_number() over (
        partition by
            b.provider, b.model, b.service_tier, b.request_date, b.band_lo,
            c.price_type, c.token_kind
        order by c.any_tier asc, c.min_input_tokens desc, c.price_id asc
    ) = 1
),

band_prices as (
    select
        b.provider, b.model, b.service_tier, b.request_date, b.band_lo, b.band_hi,
        coalesce(max(c.min_input_tokens), 0) as tier_threshold,
        max(c.unit_price) filter (where c.slot = 'list:input') as list_p_input,
        max(c.price_id) filter (where c.slot = 'list:input') as list_id_input,
        max(c.currency) filter (where c.slot = 'list:input') as list_cur_input,
        max(c.unit_price) filter (where c.slot = 'contracted:input') as contract_p_input,
        max(c.price_id) filter (where c.slot = 'contracted:input') as contract_id_input,
        max(c.currency) filter (where c.slot = 'contracted:input') as contract_cur_input,
        max(c.unit_price) filter (where c.slot = 'list:cache_read') as list_p_cache_read,
        max(c.price_id) filter (where c.slot = 'list:cache_read') as list_id_cache_read,
        max(c.currency) filter (where c.slot = 'list:cache_read') as list_cur_cache_read,
        max(c.unit_price) filter (where c.slot = 'contracted:cache_read') as contract_p_cache_read,
        max(c.price_id) filter (where c.slot = 'contracted:cache_read') as contract_id_cache_read,
        max(c.currency) filter (where c.slot = 'contracted:cache_read') as contract_cur_cache_read,
        max(c.unit_price) filter (where c.slot = 'list:cache_write') as list_p_cache_write,
        max(c.price_id) filter (where c.slot = 'list:cache_write') as list_id_cache_write,
        max(c.currency) filter (where c.slot = 'list:cache_write') as list_cur_cache_write,
        max(c.unit_price) filter (where c.slot = 'contracted:cache_write')
            as contract_p_cache_write,
        max(c.price_id) filter (where c.slot = 'contracted:cache_write') as contract_id_cache_write,
        max(c.currency) filter (where c.slot = 'contracted:cache_write')
            as contract_cur_cache_write,
        max(c.unit_price) filter (where c.slot = 'list:cache_write_1h') as list_p_cache_write_1h,
        max(c.price_id) filter (where c.slot = 'list:cache_write_1h') as list_id_cache_write_1h,
        max(c.currency) filter (where c.slot = 'list:cache_write_1h') as list_cur_cache_write_1h,
        max(c.unit_price) filter (where c.slot = 'contracted:cache_write_1h')
            as contract_p_cache_write_1h,
        max(c.price_id) filter (where c.slot = 'contracted:cache_write_1h')
            as contract_id_cache_write_1h,
        max(c.currency) filter (where c.slot = 'contracted:cache_write_1h')
            as contract_cur_cache_write_1h,
        max(c.unit_price) filter (where c.slot = 'list:output') as list_p_output,
        max(c.price_id) filter (where c.slot = 'list:output') as list_id_output,
        max(c.currency) filter (where c.slot = 'list:output') as list_cur_output,
        max(c.unit_price) filter (where c.slot = 'contracted:output') as contract_p_output,
        max(c.price_id) filter (where c.slot = 'contracted:output') as contract_id_output,
        max(c.currency) filter (where c.slot = 'contracted:output') as contract_cur_output
    from bands as b
    left join chosen_prices as c
        on c.provider = b.provider
        and c.model = b.model
        and c.service_tier = b.service_tier
        and c.request_date = b.request_date
        and c.band_lo = b.band_lo
    group by all
),

band_currencies as (
    -- Per-token prices (unit price x 0.000001, exact: a shift of the decimal point), so a line's
    -- cost is one multiplication. The currencies a band's kinds are priced in. Nearly every band
    -- has one, so a line of such a band needs no per-row list of currencies (the costly part of
    -- pricing a line).
    select
        *,
        list_distinct([
            list_cur_input, list_cur_cache_read, list_cur_cache_write, list_cur_cache_write_1h,
            list_cur_output
        ]) as band_list_curs,
        list_distinct([
            if(contract_p_input is null, list_cur_input, contract_cur_input),
            if(contract_p_cache_read is null, list_cur_cache_read, contract_cur_cache_read),
            if(contract_p_cache_write is null, list_cur_cache_write, contract_cur_cache_write),
            if(
                contract_p_cache_write_1h is null,
                list_cur_cache_write_1h, contract_cur_cache_write_1h
            ),
            if(contract_p_output is null, list_cur_output, contract_cur_output)
        ]) as band_contracted_curs,
        cast(list_p_input * 0.000001 as decimal(38, 18)) as list_ppt_input,
        cast(coalesce(contract_p_input, list_p_input) * 0.000001 as decimal(38, 18))
            as contracted_ppt_input,
        cast(list_p_cache_read * 0.000001 as decimal(38, 18)) as list_ppt_cache_read,
        cast(coalesce(contract_p_cache_read, list_p_cache_read) * 0.000001 as decimal(38, 18))
            as contracted_ppt_cache_read,
        cast(list_p_cache_write * 0.000001 as decimal(38, 18)) as list_ppt_cache_write,
        cast(coalesce(contract_p_cache_write, list_p_cache_write) * 0.000001 as decimal(38, 18))
            as contracted_ppt_cache_write,
        cast(list_p_cache_write_1h * 0.000001 as decimal(38, 18)) as list_ppt_cache_write_1h,
        cast(
            coalesce(contract_p_cache_write_1h, list_p_cache_write_1h) * 0.000001
            as decimal(38, 18)
        )
            as contracted_ppt_cache_write_1h,
        cast(list_p_output * 0.000001 as decimal(38, 18)) as list_ppt_output,
        cast(coalesce(contract_p_output, list_p_output) * 0.000001 as decimal(38, 18))
            as contracted_ppt_output
    from band_prices
),

priced_requests as (
    select
        r.*,
        bp.list_p_input as list_price_input,
        bp.list_id_input as list_price_id_input,
        coalesce(bp.contract_p_input, bp.list_p_input)
            as contracted_price_input,
        if(bp.contract_p_input is null, bp.list_id_input, bp.contract_id_input)
            as contracted_price_id_input,
        bp.list_cur_input,
        if(bp.contract_p_input is null, bp.list_cur_input, bp.contract_cur_input)
            as contracted_cur_input,
        bp.list_p_cache_read as list_price_cache_read,
        bp.list_id_cache_read as list_price_id_cache_read,
        coalesce(bp.contract_p_cache_read, bp.list_p_cache_read)
            as contracted_price_cache_read,
        if(bp.contract_p_cache_read is null, bp.list_id_cache_read, bp.contract_id_cache_read)
            as contracted_price_id_cache_read,
        bp.list_cur_cache_read,
        if(bp.contract_p_cache_read is null, bp.list_cur_cache_read, bp.contract_cur_cache_read)
            as contracted_cur_cache_read,
        bp.list_p_cache_write as list_price_cache_write,
        bp.list_id_cache_write as list_price_id_cache_write,
        coalesce(bp.contract_p_cache_write, bp.list_p_cache_write)
            as contracted_price_cache_write,
        if(bp.contract_p_cache_write is null, bp.list_id_cache_write, bp.contract_id_cache_write)
            as contracted_price_id_cache_write,
        bp.list_cur_cache_write,
        if(bp.contract_p_cache_write is null, bp.list_cur_cache_write, bp.contract_cur_cache_write)
            as contracted_cur_cache_write,
        bp.list_p_cache_write_1h as list_price_cache_write_1h,
        bp.list_id_cache_write_1h as list_price_id_cache_write_1h,
        coalesce(bp.contract_p_cache_write_1h, bp.list_p_cache_write_1h)
            as contracted_price_cache_write_1h,
        if(
            bp.contract_p_cache_write_1h is null,
            bp.list_id_cache_write_1h, bp.contract_id_cache_write_1h
        )
            as contracted_price_id_cache_write_1h,
        bp.list_cur_cache_write_1h,
        if(
            bp.contract_p_cache_write_1h is null,
            bp.list_cur_cache_write_1h, bp.contract_cur_cache_write_1h
        )
            as contracted_cur_cache_write_1h,
        bp.list_p_output as list_price_output,
        bp.list_id_output as list_price_id_output,
        coalesce(bp.contract_p_output, bp.list_p_output)
            as contracted_price_output,
        if(bp.contract_p_output is null, bp.list_id_output, bp.contract_id_output)
            as contracted_price_id_output,
        bp.list_cur_output,
        if(bp.contract_p_output is null, bp.list_cur_output, bp.contract_cur_output)
            as contracted_cur_output,
        coalesce(bp.tier_threshold, 0) as tier_threshold,
        bp.list_ppt_input, bp.contracted_ppt_input,
        bp.list_ppt_cache_read, bp.contracted_ppt_cache_read,
        bp.list_ppt_cache_write, bp.contracted_ppt_cache_write,
        bp.list_ppt_cache_write_1h, bp.contracted_ppt_cache_write_1h,
        bp.list_ppt_output, bp.contracted_ppt_output,
        coalesce(len(bp.band_list_curs) <= 1, false) as list_cur_uniform,
        bp.band_list_curs[1] as list_cur_single,
        coalesce(len(bp.band_contracted_curs) <= 1, false) as contracted_cur_uniform,
        bp.band_contracted_curs[1] as contracted_cur_single
    from requests as r
    left join band_currencies as bp
        on bp.provider = r.provider
        and bp.model = r.model
        and bp.service_tier = r.service_tier
        and bp.request_date = r.request_date
        and bp.band_lo <= r.input_tokens
        and (bp.band_hi is null or bp.band_hi > r.input_tokens)
),

checked_requests as (
    select
        *,
        case
            when (input_uncached_tokens > 0 and contracted_price_input is null)
                or (cache_read_tokens > 0 and contracted_price_cache_read is null)
                or (cache_write_5m_tokens > 0 and contracted_price_cache_write is null)
                or (cache_write_1h_tokens > 0 and contracted_price_cache_write_1h is null)
                or (output_tokens > 0 and contracted_price_output is null)
                then concat_ws(
                    ', ',
                    if(input_uncached_tokens > 0 and contracted_price_input is null, 'input', null),
                    if(
                        cache_read_tokens > 0 and contracted_price_cache_read is null,
                        'cache_read', null
                    ),
                    if(
                        cache_write_5m_tokens > 0 and contracted_price_cache_write is null,
                        'cache_write', null
                    ),
                    if(
                        cache_write_1h_tokens > 0 and contracted_price_cache_write_1h is null,
                        'cache_write_1h', null
                    ),
                    if(output_tokens > 0 and contracted_price_output is null, 'output', null)
                )
            else ''
        end as missing_kinds,
        -- Per-row currency lists only for lines of a band priced in several currencies.
        case when not list_cur_uniform then list_sort(list_distinct([
                if(input_uncached_tokens > 0, list_cur_input, null),
                if(cache_read_tokens > 0, list_cur_cache_read, null),
                if(cache_write_5m_tokens > 0, list_cur_cache_write, null),
                if(cache_write_1h_tokens > 0, list_cur_cache_write_1h, null),
                if(output_tokens > 0, list_cur_output, null)
            ]))
        end as list_currencies,
        case when not contracted_cur_uniform then list_sort(list_distinct([
                if(input_uncached_tokens > 0, contracted_cur_input, null),
                if(cache_read_tokens > 0, contracted_cur_cache_read, null),
                if(cache_write_5m_tokens > 0, contracted_cur_cache_write, null),
                if(cache_write_1h_tokens > 0, contracted_cur_cache_write_1h, null),
                if(output_tokens > 0, contracted_cur_output, null)
            ]))
        end as contracted_currencies,
        cache_status in ('exact', 'semantic') or (input_tokens = 0 and output_tokens = 0)
            as no_provider_call
    from priced_requests
),

statused_requests as (
    select
        *,
        case
            when no_provider_call then 'no_provider_call'
            when missing_kinds <> '' then 'unpriced'
            when not contracted_cur_uniform and len(contracted_currencies) > 1 then 'unpriced'
            else 'priced'
        end as price_status
    from checked_requests
),

costed_requests as (
    select
        *,
        cast(case
            when price_status = 'no_provider_call' then 0
            when price_status = 'unpriced' then null
            when input_uncached_tokens = 0 then 0
            when price_status = 'priced'
                then input_uncached_tokens * list_ppt_input
        end as decimal(38, 18)) as list_cost_input,
        cast(case
            when price_status = 'no_provider_call' then 0
            when price_status = 'unpriced' then null
            when input_uncached_tokens = 0 then 0
            when price_status = 'priced'
                then input_uncached_tokens * contracted_ppt_input
        end as decimal(38, 18)) as contracted_cost_input,
        cast(case
            when price_status = 'no_provider_call' then 0
            when price_status = 'unpriced' then null
            when cache_read_tokens = 0 then 0
            when price_status = 'priced'
                then cache_read_tokens * list_ppt_cache_read
        end as decimal(38, 18)) as list_cost_cache_read,
        cast(case
            when price_status = 'no_provider_call' then 0
            when price_status = 'unpriced' then null
            when cache_read_tokens = 0 then 0
            when price_status = 'priced'
                then cache_read_tokens * contracted_ppt_cache_read
        end as decimal(38, 18)) as contracted_cost_cache_read,
        cast(case
            when price_status = 'no_provider_call' then 0
            when price_status = 'unpriced' then null
            when cache_write_5m_tokens = 0 then 0
            when price_status = 'priced'
                then cache_write_5m_tokens * list_ppt_cache_write
        end as decimal(38, 18)) as list_cost_cache_write,
        cast(case
            when price_status = 'no_provider_call' then 0
            when price_status = 'unpriced' then null
            when cache_write_5m_tokens = 0 then 0
            when price_status = 'priced'
                then cache_write_5m_tokens * contracted_ppt_cache_write
        end as decimal(38, 18)) as contracted_cost_cache_write,
        cast(case
            when price_status = 'no_provider_call' then 0
            when price_status = 'unpriced' then null
            when cache_write_1h_tokens = 0 then 0
            when price_status = 'priced'
                then cache_write_1h_tokens * list_ppt_cache_write_1h
        end as decimal(38, 18)) as list_cost_cache_write_1h,
        cast(case
            when price_status = 'no_provider_call' then 0
            when price_status = 'unpriced' then null
            when cache_write_1h_tokens = 0 then 0
            when price_status = 'priced'
                then cache_write_1h_tokens * contracted_ppt_cache_write_1h
        end as decimal(38, 18)) as contracted_cost_cache_write_1h,
        cast(case
            when price_status = 'no_provider_call' then 0
            when price_status = 'unpriced' then null
            when output_tokens = 0 then 0
            when price_status = 'priced'
                then output_tokens * list_ppt_output
        end as decimal(38, 18)) as list_cost_output,
        cast(case
            when price_status = 'no_provider_call' then 0
            when price_status = 'unpriced' then null
            when output_tokens = 0 then 0
            when price_status = 'priced'
                then output_tokens * contracted_ppt_output
        end as decimal(38, 18)) as contracted_cost_output
    from statused_requests
),

final as (
    select
        * exclude (
            list_price_input, list_price_id_input, contracted_price_input,
            contracted_price_id_input, list_cur_input, contracted_cur_input, list_cost_input,
            contracted_cost_input, list_price_cache_read, list_price_id_cache_read,
            contracted_price_cache_read, contracted_price_id_cache_read, list_cur_cache_read,
            contracted_cur_cache_read, list_cost_cache_read, contracted_cost_cache_read,
            list_price_cache_write, list_price_id_cache_write, contracted_price_cache_write,
            contracted_price_id_cache_write, list_cur_cache_write, contracted_cur_cache_write,
            list_cost_cache_write, contracted_cost_cache_write, list_price_cache_write_1h,
            list_price_id_cache_write_1h, contracted_price_cache_write_1h,
            contracted_price_id_cache_write_1h, list_cur_cache_write_1h,
            contracted_cur_cache_write_1h, list_cost_cache_write_1h,
            contracted_cost_cache_write_1h, list_price_output, list_price_id_output,
            contracted_price_output, contracted_price_id_output, list_cur_output,
            contracted_cur_output, list_cost_output, contracted_cost_output, tier_threshold,
            missing_kinds, list_currencies, contracted_currencies, no_provider_call, price_status,
            list_cur_uniform, list_cur_single, contracted_cur_uniform, contracted_cur_single,
            list_ppt_input, contracted_ppt_input, list_ppt_cache_read, contracted_ppt_cache_read,
            list_ppt_cache_write, contracted_ppt_cache_write, list_ppt_cache_write_1h,
            contracted_ppt_cache_write_1h, list_ppt_output, contracted_ppt_output
        ),
        list_price_input, list_price_id_input,
        contracted_price_input, contracted_price_id_input,
        list_cost_input, contracted_cost_input,
        list_price_cache_read, list_price_id_cache_read,
        contracted_price_cache_read, contracted_price_id_cache_read,
        list_cost_cache_read, contracted_cost_cache_read,
        list_price_cache_write, list_price_id_cache_write,
        contracted_price_cache_write, contracted_price_id_cache_write,
        list_cost_cache_write, contracted_cost_cache_write,
        list_price_cache_write_1h, list_price_id_cache_write_1h,
        contracted_price_cache_write_1h, contracted_price_id_cache_write_1h,
        list_cost_cache_write_1h, contracted_cost_cache_write_1h,
        list_price_output, list_price_id_output,
        contracted_price_output, contracted_price_id_output,
        list_cost_output, contracted_cost_output,
        cast(list_cost_input + list_cost_cache_read + list_cost_cache_write
            + list_cost_cache_write_1h + list_cost_output as decimal(38, 18))
            as list_cost,
        cast(contracted_cost_input + contracted_cost_cache_read + contracted_cost_cache_write
            + contracted_cost_cache_write_1h + contracted_cost_output as decimal(38, 18))
            as contracted_cost,
        case
            when not list_cur_uniform
                then if(len(list_currencies) = 1, list_currencies[1], null)
            when (input_uncached_tokens > 0 and list_cur_input is not null)
                or (cache_read_tokens > 0 and list_cur_cache_read is not null)
                or (cache_write_5m_tokens > 0 and list_cur_cache_write is not null)
                or (cache_write_1h_tokens > 0 and list_cur_cache_write_1h is not null)
                or (output_tokens > 0 and list_cur_output is not null)
                then list_cur_single
        end as list_currency,
        case
            when not contracted_cur_uniform
                then if(len(contracted_currencies) = 1, contracted_currencies[1], null)
            when (input_uncached_tokens > 0 and contracted_cur_input is not null)
                or (cache_read_tokens > 0 and contracted_cur_cache_read is not null)
                or (cache_write_5m_tokens > 0 and contracted_cur_cache_write is not null)
                or (cache_write_1h_tokens > 0 and contracted_cur_cache_write_1h is not null)
                or (output_tokens > 0 and contracted_cur_output is not null)
                then contracted_cur_single
        end as contracted_currency,
        if(tier_threshold > 0, 'long_context', 'base') as context_tier,
        price_status,
        case
            when price_status <> 'unpriced' then null
            when missing_kinds <> '' then
                'no list or contract price for ' || provider || '/' || model
                || ' (' || missing_kinds || ')'
                || if(service_tier = 'standard', '', ' at service tier ' || service_tier)
            else
                'mixed contracted currencies (' || array_to_string(contracted_currencies, ', ')
                || ') for ' || provider || '/' || model
        end as unpriced_reason
    from costed_requests
)

-- The columns are those of stg_requests plus the priced ones; schemas/pricing/cost_line.py
-- pins them.
-- noqa: disable=AM04
select * from final
