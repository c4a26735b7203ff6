{#- Salted SHA-256 of a personal identifier (normalised: trimmed, lower case), hex encoded. Null
    stays null. Staging applies it so no model past staging holds the identifier itself. -#}
{% macro pseudonymise(text_expr) -%}
    {%- set normalised -%}
        nullif(lower(trim({{ text_expr }})), '')
    {%- endset -%}
    {{ return(adapter.dispatch('pseudonymise', 'service_outcomes')(normalised, var('pii_hash_salt'))) }}
{%- endmacro %}

{% macro default__pseudonymise(normalised, salt) -%}
    sha256('{{ salt }}' || {{ normalised }})
{%- endmacro %}

{% macro postgres__pseudonymise(normalised, salt) -%}
    encode(sha256(convert_to('{{ salt }}' || {{ normalised }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro spark__pseudonymise(normalised, salt) -%}
    sha2(concat('{{ salt }}', {{ normalised }}), 256)
{%- endmacro %}


{#- Free text with e-mail addresses and phone-number-like digit runs masked. -#}
{% macro redact_identifiers(text_expr) -%}
    {%- set emails_masked = regexp_replace_all(
        text_expr, '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}', '[email]'
    ) -%}
    {{ regexp_replace_all(emails_masked, '\\+?[0-9][0-9 ()-]{7,}[0-9]', '[phone]') }}
{%- endmacro %}
