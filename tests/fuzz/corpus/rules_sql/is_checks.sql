SELECT * FROM 'x' WHERE n IS NULL OR gone IS NOT UNDEFINED AND NOT (s = '10') OR s <> 10

{"n": null, "s": "10"}