"""Mutual TLS towards the cloud: what must fail before anything connects
(exit code 2 with a clear message), and what must keep one remote down with a
logged reason while the rest of the gateway works."""
import os

from harness.brokers import Mosquitto, TlsFiles
from harness.certs import CertificateAuthority, days, now
from harness.gateway import Gateway, run_cli
from harness.setups import bridge_config, cloud_client, local_client, remote


def check(tmp_path, config) -> tuple[int, str]:
    gw = Gateway(str(tmp_path), config)
    result = run_cli("check", "-c", gw.config_path)
    return result.returncode, result.stdout + result.stderr


def run_expecting_exit_2(tmp_path, config) -> str:
    gw = Gateway(str(tmp_path), config, name="refused")
    result = run_cli("run", "-c", gw.config_path, timeout=20)
    assert result.returncode == 2, result.stderr
    return result.stderr


def test_a_world_readable_private_key_is_refused_before_connecting(tmp_path, local_broker, cloud_broker, pki):
    leaky = pki.ca.issue("leaky", "test-gw", key_mode=0o644)
    tls = {"ca_file": pki.ca.ca_file, "cert_file": leaky.cert, "key_file": leaky.key}
    err = run_expecting_exit_2(tmp_path, bridge_config(local_broker, {"ops": remote(cloud_broker, pki, tls=tls)}, []))
    assert "remotes.ops.tls.key_file" in err
    assert "readable by every user (mode 0644)" in err
    assert "chmod 600" in err
    # The key itself is never printed.
    with open(leaky.key) as f:
        key_body = f.read().splitlines()[1]
    assert key_body not in err


def test_an_expired_certificate_is_an_error_and_one_expiring_soon_a_warning(tmp_path, local_broker, cloud_broker, pki):
    expired = pki.ca.issue("expired", "test-gw", not_before=now() - days(30), not_after=now() - days(1))
    tls = {"ca_file": pki.ca.ca_file, "cert_file": expired.cert, "key_file": expired.key}
    rc, out = check(tmp_path / "a", bridge_config(local_broker, {"ops": remote(cloud_broker, pki, tls=tls)}, []))
    assert rc == 2
    assert "remotes.ops.tls.cert_file" in out and "expired on" in out

    soon = pki.ca.issue("soon", "test-gw", not_after=now() + days(5))
    tls = {"ca_file": pki.ca.ca_file, "cert_file": soon.cert, "key_file": soon.key}
    rc, out = check(tmp_path / "b", bridge_config(local_broker, {"ops": remote(cloud_broker, pki, tls=tls)}, []))
    assert rc == 0, out
    assert "warning: remotes.ops.tls.cert_file" in out and "within 14 days" in out


def test_a_key_that_does_not_belong_to_the_certificate_is_refused(tmp_path, local_broker, cloud_broker, pki):
    other = pki.ca.issue("other", "someone-else")
    tls = {"ca_file": pki.ca.ca_file, "cert_file": pki.gateway.cert, "key_file": other.key}
    rc, out = check(tmp_path, bridge_config(local_broker, {"ops": remote(cloud_broker, pki, tls=tls)}, []))
    assert rc == 2
    assert "does not belong to the certificate" in out


def test_a_plaintext_remote_needs_insecure(tmp_path, local_broker):
    rc, out = check(tmp_path / "a", bridge_config(local_broker, {"lab": {"url": local_broker.url}}, []))
    assert rc == 2 and "is plaintext" in out
    rc, out = check(tmp_path / "b", bridge_config(local_broker,
                                                   {"lab": {"url": local_broker.url, "tls": {"insecure": True}}}, []))
    assert rc == 0 and "plaintext remote allowed by tls.insecure" in out


def remote_stays_down(tmp_path, local_broker, bad_broker, pki, reason_words, tls=None):
    """The bad remote logs why and retries; the local side and a good remote keep working."""
    good = Mosquitto(str(tmp_path), "good", tls=pki.server_files()).start()
    try:
        remotes = {"bad": remote(bad_broker, pki, **({"tls": tls} if tls else {})),
                   "good": remote(good, pki, client_id="test-gw-good")}
        gw = Gateway(str(tmp_path), bridge_config(local_broker, remotes, [{"pattern": "sensors/#"}]))
        gw.start(wait_for=("Connected. local", "Connected. remote=good"))
        line = gw.wait_log("Connect failed. remote=bad")
        assert all(w in line for w in reason_words), line
        gw.wait_log("Connect failed. remote=bad", count=2, timeout=15)  # it retries
        assert gw.count_log("Connected. remote=bad") == 0
        observer = cloud_client(good, pki).subscribe("sensors/#")
        local_client(local_broker).publish("sensors/t", "still flowing")
        observer.wait_for(1, topic="sensors/t")
        gw.stop()
    finally:
        good.stop()


def test_a_server_certificate_for_another_host_is_refused(tmp_path, local_broker, pki):
    wrong = pki.ca.issue("wrong-host", "other.example", server=True, hosts=("other.example",))
    bad = Mosquitto(str(tmp_path), "wronghost", tls=TlsFiles(pki.ca.ca_file, wrong.cert, wrong.key)).start()
    try:
        remote_stays_down(tmp_path, local_broker, bad, pki, ["the server certificate was refused: "
                                                           "IP address mismatch (it does not name \"127.0.0.1\""])
    finally:
        bad.stop()


def test_a_server_certificate_from_an_untrusted_ca_is_refused(tmp_path, local_broker, pki):
    rogue = CertificateAuthority(os.path.join(str(tmp_path), "rogue"), name="rogue CA")
    server = rogue.issue("rogue-server", "localhost", server=True)
    bad = Mosquitto(str(tmp_path), "untrusted", tls=TlsFiles(rogue.ca_file, server.cert, server.key)).start()
    try:
        remote_stays_down(tmp_path, local_broker, bad, pki, ["the server certificate was refused: ",
                                                           "(its CA is not in ca_file"])
    finally:
        bad.stop()


def test_a_broker_that_rejects_the_client_certificate_keeps_that_remote_down(tmp_path, local_broker, pki):
    # The broker trusts only another CA for client certificates.
    other = CertificateAuthority(os.path.join(str(tmp_path), "clients-ca"), name="clients CA")
    bundle = os.path.join(str(tmp_path), "server-cas.pem")
    with open(bundle, "w") as out:
        out.write(open(other.ca_file).read())
    bad = Mosquitto(str(tmp_path), "rejecting", tls=TlsFiles(bundle, pki.server.cert, pki.server.key)).start()
    try:
        remote_stays_down(tmp_path, local_broker, bad, pki, ["the broker rejected this gateway's client certificate"])
    finally:
        bad.stop()
