SELECT VALUE color FROM 'a/b'

{"color":"red"}