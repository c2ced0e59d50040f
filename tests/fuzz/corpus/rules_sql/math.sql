SELECT mod(8, 3) AS a, power(2, 0.5) AS b, sqrt(2) AS c, sign(-1) AS d, trunc(2.888, 2) AS e, ln(2) AS f, log(100) AS g, exp(1) AS h, sin(1) AS i, atan2(1, 0) AS j, bitand(13, 5) AS k, bitnot(13) AS l, nanvl(x, 1) AS m FROM 'x'

{}