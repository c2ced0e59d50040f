SELECT lux FORM 'sensors/#'

{}