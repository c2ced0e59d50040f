SELECT * FROM 'x' WHERE kind IN ['co2', 'voc'] AND EXISTS (SELECT * FROM arr AS a WHERE a = 3)

{"kind": "co2", "arr": [1, 2, 3]}