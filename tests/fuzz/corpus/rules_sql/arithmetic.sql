SELECT 9223372036854775807 + 1 AS big, 7 / 0 AS z, -7 % 3 AS m, 'a' + 1 AS s, '10' * '2.5' AS p FROM 'x'

{}