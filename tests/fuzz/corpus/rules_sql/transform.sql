SELECT VALUE transform('enrichArray', attributes, values) FROM 'A/B'

{"attributes": {"data1": 1}, "values": [{"a": 3}, {"b": 4}]}