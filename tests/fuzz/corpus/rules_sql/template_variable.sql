SET @z = topic(2) SELECT * FROM 'x/#'

{}