"""Test harness: real peers (Mosquitto brokers, device simulators) and the real
edgebridge binary, each started on 127.0.0.1 with a port the OS hands out."""
