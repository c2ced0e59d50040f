SELECT topic(2) AS t, topic() AS all, timestamp() AS ts, clientid() AS c, newuuid() AS u, isNull(n) AS a, isUndefined(m) AS b FROM '+/+/+'

{"n": null}