"""Simulated devices for demos and load tests: daily rhythms or replayed readings, over HTTP, MQTT or in-process."""
