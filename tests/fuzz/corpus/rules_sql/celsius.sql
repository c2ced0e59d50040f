SELECT (temperature - 32) * 5 / 9 AS celsius, upper(color) as my_color FROM 'a/b'

{"color":"red", "temperature":50}