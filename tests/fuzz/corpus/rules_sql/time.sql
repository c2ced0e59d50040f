SELECT parse_time('yyyy.MM.dd G ''at'' HH:mm:ss z', 100000000, 'America/Belize') AS t, time_to_epoch('18 December 2015', 'dd MMMM yyyy') AS e FROM 'x'

{}