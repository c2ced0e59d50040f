"""The command line as an installer uses it: version, check, exit codes."""
import os
import shutil

from harness.gateway import REPO, run_cli


def test_version_prints_the_version():
    r = run_cli("version")
    assert r.returncode == 0
    assert r.stdout.startswith("edgebridge ")


def test_wrong_usage_exits_64():
    assert run_cli("frobnicate").returncode == 64
    assert run_cli("check", "--no-such-flag").returncode == 64


def test_the_reference_configuration_is_valid_once_its_certificates_exist(tmp_path, pki):
    shutil.copy(os.path.join(REPO, "config", "bridge.yaml"), tmp_path / "bridge.yaml")
    certs = tmp_path / "certs"
    certs.mkdir()
    shutil.copy(pki.ca.ca_file, certs / "AmazonRootCA1.pem")
    shutil.copy(pki.gateway.cert, certs / "device.pem.crt")
    shutil.copy(pki.gateway.key, certs / "private.pem.key")
    os.chmod(certs / "private.pem.key", 0o600)
    r = run_cli("check", "-c", str(tmp_path / "bridge.yaml"))
    assert r.returncode == 0, r.stderr
    assert "valid" in r.stdout
    routes = [l.split() for l in r.stdout.splitlines() if "ops:" in l]
    assert ["sensors/#", "->", "ops:site1/sensors/#", "qos", "1"] == routes[0][:5]
    assert ["cmd/#", "<-", "ops:cmd/#"] == routes[1][:3]
    assert ["sync/#", "<->", "ops:sync/#"] == routes[2][:3]


def test_a_broken_configuration_prints_every_error_with_line_and_column(tmp_path):
    (tmp_path / "bridge.yaml").write_text(
        "gateway:\n"
        "  id: gw1\n"
        "  durabilty: full\n"
        "remotes:\n"
        "  ops:\n"
        "    url: mqtts://example.com\n"
        "    keepalive: 30x\n"
        "    tls: { insecure: true }\n"
        "topics:\n"
        "  - { pattern: 'a/#/b', remote: opss }\n")
    r = run_cli("check", "-c", str(tmp_path / "bridge.yaml"))
    assert r.returncode == 2
    path = str(tmp_path / "bridge.yaml")
    assert f'{path}:3:3: error: gateway: unknown key "durabilty"; did you mean "durability"?' in r.stderr
    assert f'{path}:7:16: error: remotes.ops.keepalive: "30x" has an unknown unit "x"' in r.stderr
    assert f'{path}:10:16: error: topics[0].pattern: "a/#/b": "#" must be the last level' in r.stderr
    assert f'{path}:10:33: error: topics[0].remote: no remote is named "opss"; did you mean "ops"?' in r.stderr
    assert "4 error(s)" in r.stderr


def test_run_refuses_a_broken_configuration_with_exit_code_2_before_connecting(tmp_path):
    (tmp_path / "bridge.yaml").write_text("remotes:\n  ops: { url: 'mqtt://127.0.0.1:1' }\n")
    r = run_cli("run", "-c", str(tmp_path / "bridge.yaml"))
    assert r.returncode == 2
    assert "is plaintext" in r.stderr
    assert "did not start" in r.stderr
