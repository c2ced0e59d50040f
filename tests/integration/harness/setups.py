"""Ready-made configurations for the common test topology: one plain local
broker, one or more mutual-TLS cloud brokers, and edgebridge between them."""
from .mqtt import Client


def remote(broker, pki, **overrides) -> dict:
    r = {"url": broker.url, "tls": pki.gateway_tls(), "keepalive": "10s",
         "reconnect": {"min": "1s", "max": "2s", "stable_after": "5s"}}
    r.update(overrides)
    return r


def bridge_config(local_broker, remotes: dict, topics: list, **sections) -> dict:
    config = {
        "local": {"url": local_broker.url, "reconnect": {"min": "1s", "max": "2s"}},
        "remotes": remotes,
        "topics": topics,
    }
    config.update(sections)
    return config


def local_client(broker, **kw) -> Client:
    return Client(broker.port, **kw).connect()


def cloud_client(broker, pki, **kw) -> Client:
    return Client(broker.port, tls=pki.observer_files(), **kw).connect()
