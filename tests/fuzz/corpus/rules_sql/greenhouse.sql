SELECT lux FROM 'sensors/greenhouse/lux1' WHERE lux > 35000

{"lux": 40000}