SELECT *, 15 as speed FROM 'a/b'

{"color":"red", "temperature":50}