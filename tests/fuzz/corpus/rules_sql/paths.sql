SELECT foo.bar AS bar.baz, a.b[1].c AS c FROM 'a/#'

{"foo":{"bar":7},"a":{"b":[1,{"c":2}]}}