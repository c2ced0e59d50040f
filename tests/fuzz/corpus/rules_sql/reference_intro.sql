SELECT color AS rgb FROM 'topic/subtopic' WHERE temperature > 50

{ "color":"red", "temperature":100 }