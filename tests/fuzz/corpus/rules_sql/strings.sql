SELECT substring(s, 1, 3) AS a, length(s) AS b, trim(s) AS c, lpad(s, 3) AS d, indexof(s, 'b') AS e, replace(s, 'b', 'x') AS f, startswith(s, 'a') AS g, chr(65) AS h, numbytes(s) AS i, upper(s) AS j FROM 'x'

{"s": " abcé "}