SELECT abs(-5) AS a, round(-1.5) AS r, floor(x) AS f, ceil('1.2') AS c, coalesce(gone, x) AS co, concat([1], 'a', 2) AS cc, lower('A') AS l, cast(x AS String) AS s, cast('1' AS Bool) AS b, cast(x AS Int) AS i, cast(true AS Decimal) AS d FROM '#'

{"x": 2.5}