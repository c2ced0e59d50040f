SELECT CASE state WHEN 0 THEN 'closed' WHEN 1 THEN 'open' ELSE 'moving' END AS s, CASE WHEN lux > 35000 THEN 'bright' END AS l FROM 'x'

{"state": 1, "lux": 40000}