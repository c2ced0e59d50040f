SELECT {'latitude': lat_long[0],'longitude':lat_long[1]} as lat_long, [lat, long] AS pair FROM 'topic/subtopic'

{"lat_long": [47.606,-122.332], "lat": 1, "long": 2}