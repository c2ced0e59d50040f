SELECT regexp_matches(s, '(?i)temp=\\d+') AS m, regexp_replace(s, '(\\d+)', '[$1]') AS r, regexp_substr(s, '[0-9]+') AS d FROM 'x'

{"s": "Temp=21C"}