alerts/${topic(2)}/${site.id}

{"site": {"id": "gh-1"}}