SET @avg = (t1 + t2) / 2, @label = 'avg ' + @avg SELECT @avg AS avg, @label AS label FROM 'x' WHERE @avg > 20

{"t1": 21, "t2": 24}