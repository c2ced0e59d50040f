import glob
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
# Each device kind's simulator lives in its folder: adapters/<kind>/sim/.
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for _sim in sorted(glob.glob(os.path.join(_ROOT, "adapters", "*", "sim"))):
    sys.path.insert(0, _sim)

from harness.brokers import Mosquitto, TlsFiles  # noqa: E402
from harness.certs import CertificateAuthority  # noqa: E402
from harness.gateway import running_gateways, stop_leftover_gateways  # noqa: E402


@pytest.fixture(autouse=True)
def no_gateway_outlives_its_test():
    """A test that fails before gw.stop() leaves its gateway running; end it here.
    A gateway a module's fixture started before the test is the module's to end."""
    before = running_gateways()
    yield
    stop_leftover_gateways(before)


class Pki:
    """The test CA and the certificates every TLS test needs."""

    def __init__(self, directory: str):
        self.dir = directory
        self.ca = CertificateAuthority(os.path.join(directory, "ca"))
        self.server = self.ca.issue("server", "localhost", server=True)
        self.gateway = self.ca.issue("gateway", "test-gw", chain=True)  # device cert + CA, as AWS JITR wants
        self.observer = self.ca.issue("observer", "observer")

    def server_files(self, require_certificate: bool = True) -> TlsFiles:
        return TlsFiles(self.ca.ca_file, self.server.cert, self.server.key, require_certificate)

    def observer_files(self) -> TlsFiles:
        return TlsFiles(self.ca.ca_file, self.observer.cert, self.observer.key)

    def gateway_tls(self) -> dict:
        return {"ca_file": self.ca.ca_file, "cert_file": self.gateway.cert, "key_file": self.gateway.key}


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    return Pki(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def local_broker(tmp_path):
    broker = Mosquitto(str(tmp_path), "local").start()
    yield broker
    broker.stop()


@pytest.fixture
def cloud_broker(tmp_path, pki):
    broker = Mosquitto(str(tmp_path), "cloud", tls=pki.server_files()).start()
    yield broker
    broker.stop()


# What the tests print (the figures: an outage's broker-up -> last message, a
# kill -9 run's counts, ...) is shown at the end of the run, one line each.
_figures: list[str] = []


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        for line in report.capstdout.splitlines():
            if line.strip():
                _figures.append(f"{report.nodeid.split('::')[-1]}: {line.strip()}")


def pytest_terminal_summary(terminalreporter):
    if _figures:
        terminalreporter.section("figures printed by the tests")
        for line in _figures:
            terminalreporter.write_line(line)
