{#- Written by cxspec export --to dbt. A dbt_utils-free range test over cxspec's long result
    tables: the rows of the given metrics (all rows when none are given) whose column lies
    outside [min_value, max_value]. The test fails when it returns any row. -#}
{% test cxspec_value_between(model, column_name, min_value=none, max_value=none, metrics=none) %}
select *
from {{ model }}
where {{ column_name }} is not null
{%- if metrics %}
  and metric in ({% for m in metrics %}'{{ m }}'{% if not loop.last %}, {% endif %}{% endfor %})
{%- endif %}
  and (
{%- if min_value is not none %} {{ column_name }} < {{ min_value }}{% endif %}
{%- if min_value is not none and max_value is not none %} or{% endif %}
{%- if max_value is not none %} {{ column_name }} > {{ max_value }}{% endif %}
  )
{% endtest %}
