SELECT `odd-key` AS k FROM 'x' WHERE "s" = 's'

{"odd-key": 1}