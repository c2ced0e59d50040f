SELECT (SELECT VALUE n FROM e) AS names, get((SELECT v FROM e WHERE n = 'light'), 0).v AS lux FROM 'x'

{"e": [{"n": "temperature", "v": 22.5}, {"n": "light", "v": 41000}]}