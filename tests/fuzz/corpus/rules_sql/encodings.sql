SELECT encode(*, 'base64') AS e, decode(encode(*, 'base64'), 'base64') AS d, md5(s) AS h, sha256(s) AS s2 FROM 'x'

{"s": "hello"}