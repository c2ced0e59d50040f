"""Changing edgebridge while it runs: SIGHUP re-reads bridge.yaml and applies
it without losing a message; a broken file changes nothing; a client
certificate replaced on disk is picked up without a restart, and a bad one is
refused while the old connection stays up. Real brokers (plain local,
mutual-TLS cloud) and the real binary."""
import json
import os
import shutil
import signal


from harness.brokers import Mosquitto  # noqa: E402
from harness.gateway import Gateway  # noqa: E402
from harness.load import SequencePublisher, first_delivery_order_ok, sequence_numbers  # noqa: E402
from harness.mqtt import Client  # noqa: E402
from harness.net import wait_until  # noqa: E402
from harness.setups import bridge_config, cloud_client, local_client, remote  # noqa: E402
from itach_sim import ItachSimulator  # noqa: E402

COUNT = 3000   # messages in each stream
RATE = 300     # per second: a 10 s stream, long enough to reload in the middle of it


def client_files(tmp_path, pki) -> dict:
    """A copy of the gateway's client certificate and key that a test may replace
    (the session's PKI is shared by every test)."""
    directory = os.path.join(str(tmp_path), "tls")
    os.makedirs(directory, exist_ok=True)
    cert = os.path.join(directory, "client.crt")
    key = os.path.join(directory, "client.key")
    shutil.copyfile(pki.gateway.cert, cert)
    shutil.copyfile(pki.gateway.key, key)
    os.chmod(key, 0o600)
    return {"ca_file": pki.ca.ca_file, "cert_file": cert, "key_file": key}


def replace_by_rename(source: str, target: str, mode: int = 0o644) -> None:
    """What certbot-style tools do: write a new file next to it, then rename over it."""
    temporary = target + ".new"
    shutil.copyfile(source, temporary)
    os.chmod(temporary, mode)
    os.replace(temporary, target)


def start(tmp_path, local_broker, config: dict) -> Gateway:
    gw = Gateway(str(tmp_path), config)
    return gw.start(wait_for=("Connected. local", "Connected. remote=ops"))


def start_with_replaceable_tls(tmp_path, local_broker, cloud_broker, pki, check_interval: str) -> tuple[Gateway, dict]:
    """A gateway whose remote "ops" reads its client certificate and key from
    copies the test may replace, looked at every `check_interval`."""
    tls = client_files(tmp_path, pki)
    config = bridge_config(local_broker, {"ops": remote(cloud_broker, pki, tls=tls)},
                           [{"pattern": "sensors/#", "direction": "out", "remote_prefix": "site1/"}],
                           gateway={"tls_check_interval": check_interval})
    return start(tmp_path, local_broker, config), tls


def stream(local_broker, topic: str) -> tuple[SequencePublisher, object]:
    publisher = SequencePublisher(local_broker.port, topic, COUNT, RATE)
    return publisher, publisher.start_thread()


def assert_all_arrived(cloud, topic: str, publisher: SequencePublisher, thread) -> None:
    thread.join(timeout=COUNT / RATE + 60)
    assert publisher.done.is_set(), "the publisher did not finish"
    assert publisher.acked == COUNT, f"the local broker acknowledged {publisher.acked} of {COUNT}"
    got = cloud.wait_for(COUNT, topic=topic, timeout=60)
    seqs = sequence_numbers(got)
    missing = sorted(set(range(1, COUNT + 1)) - set(seqs))
    assert not missing, f"{len(missing)} message(s) lost, first {missing[:10]}"
    assert first_delivery_order_ok(seqs)


def test_sighup_applies_a_new_mapping_under_traffic_without_losing_a_message(tmp_path, local_broker, cloud_broker,
                                                                               pki):
    topics = [{"pattern": "sensors/#", "direction": "out", "remote_prefix": "site1/"}]
    config = bridge_config(local_broker, {"ops": remote(cloud_broker, pki)}, topics)
    gw = start(tmp_path, local_broker, config)
    cloud = cloud_client(cloud_broker, pki).subscribe("site1/#")
    local = local_client(local_broker).subscribe("cmd/#")

    publisher, thread = stream(local_broker, "sensors/seq")
    wait_until(lambda: len(cloud.received("site1/sensors/seq")) >= COUNT // 5, timeout=30, what="traffic to flow")

    # A new out-mapping, a new in-mapping (a new subscription on the cloud) and a
    # setting that needs a restart.
    config["topics"] = topics + [{"pattern": "alarms/#", "direction": "out", "remote_prefix": "site1/"},
                                 {"pattern": "cmd/#", "direction": "in", "remote_prefix": "site1/"}]
    config["gateway"] = {"durability": "full"}
    gw.write_config(config)
    gw.signal(signal.SIGHUP)
    summary = gw.wait_log("Reloaded.")
    assert "routes=3" in summary and "routes_changed=true" in summary
    assert "restart to apply. key=gateway.durability" in gw.log_text()
    assert len(cloud.received("site1/sensors/seq")) < COUNT, "the reload did not happen under traffic"

    local.publish("alarms/door", "open")
    assert cloud.wait_for(1, topic="site1/alarms/door")[0].text == "open"
    cloud.publish("site1/cmd/vent", "close")
    assert local.wait_for(1, topic="cmd/vent")[0].text == "close"

    assert_all_arrived(cloud, "site1/sensors/seq", publisher, thread)
    assert gw.running()
    assert gw.stop() == 0


def test_a_mapping_added_by_reload_takes_a_message_published_the_moment_reloaded_is_logged(tmp_path, local_broker,
                                                                                           cloud_broker, pki):
    """"Reloaded." means the new mappings are live: the brokers have answered
    their subscriptions. Under traffic (the local link holds its PUBACKs, and
    its SUBSCRIBE with them), each of 8 reloads adds an out-mapping and an
    in-mapping, and a message goes on each the moment the line is logged."""
    topics = [{"pattern": "sensors/#", "direction": "out", "remote_prefix": "site1/"}]
    config = bridge_config(local_broker, {"ops": remote(cloud_broker, pki)}, topics)
    gw = start(tmp_path, local_broker, config)
    cloud = cloud_client(cloud_broker, pki).subscribe("site1/#")
    local = local_client(local_broker).subscribe("cmd/#")
    publisher, thread = stream(local_broker, "sensors/seq")
    wait_until(lambda: len(cloud.received("site1/sensors/seq")) >= 100, timeout=30, what="traffic to flow")

    reloads = 8
    for n in range(1, reloads + 1):
        topics = topics + [{"pattern": f"alarms{n}/#", "direction": "out", "remote_prefix": "site1/"},
                           {"pattern": f"cmd/{n}/#", "direction": "in", "remote_prefix": "site1/"}]
        config["topics"] = topics
        gw.write_config(config)
        gw.signal(signal.SIGHUP)
        summary = gw.wait_log("Reloaded.", count=n)
        assert summary.endswith(" subscriptions_unconfirmed=-"), summary
        local.publish(f"alarms{n}/door", str(n))
        cloud.publish(f"site1/cmd/{n}/vent", str(n))
    assert len(cloud.received("site1/sensors/seq")) < COUNT, "the reloads did not happen under traffic"

    for n in range(1, reloads + 1):
        assert [m.text for m in cloud.wait_for(1, topic=f"site1/alarms{n}/door")] == [str(n)]
        assert [m.text for m in local.wait_for(1, topic=f"cmd/{n}/vent")] == [str(n)]
    assert_all_arrived(cloud, "site1/sensors/seq", publisher, thread)
    assert gw.stop() == 0


def test_a_reload_while_the_cloud_is_away_says_its_subscriptions_wait_and_they_apply_on_reconnect(
        tmp_path, local_broker, cloud_broker, pki):
    topics = [{"pattern": "sensors/#", "direction": "out", "remote_prefix": "site1/"}]
    config = bridge_config(local_broker, {"ops": remote(cloud_broker, pki)}, topics)
    gw = start(tmp_path, local_broker, config)
    local = local_client(local_broker).subscribe("cmd/#")
    cloud_broker.stop()
    gw.wait_log("Connection lost. remote=ops")

    config["topics"] = topics + [{"pattern": "cmd/#", "direction": "in", "remote_prefix": "site1/"}]
    gw.write_config(config)
    gw.signal(signal.SIGHUP)
    summary = gw.wait_log("Reloaded.")
    assert summary.endswith(" subscriptions_unconfirmed=ops"), summary
    assert "Subscriptions not confirmed by the broker (link down, slow, or a filter refused); a new mapping " \
           "takes messages once they are. links=ops" in gw.log_text()

    # Retained, so it reaches the gateway whether it subscribes before or after this publish.
    cloud_broker.start()
    cloud_client(cloud_broker, pki).publish("site1/cmd/vent", "close", retain=True)
    gw.wait_log("Connected. remote=ops", count=2, timeout=30)
    assert [m.text for m in local.wait_for(1, topic="cmd/vent", timeout=15)] == ["close"]
    assert gw.stop() == 0


def invalid_direction(text: str) -> tuple[str, int, int]:
    """`text` with the second mapping's direction made invalid, and where that value is."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if '"direction": "in"' in line:
            lines[i] = line.replace('"direction": "in"', '"direction": "sideways"')
            return "\n".join(lines), i + 1, lines[i].index('"sideways"') + 1
    raise AssertionError("no in-mapping in the generated config")


def test_a_broken_bridge_yaml_on_sighup_is_refused_and_the_old_mappings_keep_working(tmp_path, local_broker,
                                                                                     cloud_broker, pki):
    topics = [{"pattern": "sensors/#", "direction": "out", "remote_prefix": "site1/"}]
    config = bridge_config(local_broker, {"ops": remote(cloud_broker, pki)}, topics)
    gw = start(tmp_path, local_broker, config)
    cloud = cloud_client(cloud_broker, pki).subscribe("site1/#")

    publisher, thread = stream(local_broker, "sensors/seq")
    wait_until(lambda: len(cloud.received("site1/sensors/seq")) >= COUNT // 5, timeout=30, what="traffic to flow")

    config["topics"] = topics + [{"pattern": "cmd/#", "direction": "in"}]
    gw.write_config(config)
    with open(gw.config_path) as f:
        broken, line, column = invalid_direction(f.read())
    with open(gw.config_path, "w") as f:
        f.write(broken)
    gw.signal(signal.SIGHUP)
    gw.wait_log("Reload rejected; still running the previous configuration. errors=1")
    error = gw.wait_log("Configuration error.")
    assert f"bridge.yaml:{line}:{column}: error: topics[1].direction" in error, error
    assert "sideways" in error

    assert_all_arrived(cloud, "site1/sensors/seq", publisher, thread)
    assert gw.running()
    assert gw.count_log("Reloaded.") == 0
    assert gw.stop() == 0


def test_a_rotated_client_certificate_is_used_without_a_restart_and_nothing_is_lost(tmp_path, local_broker,
                                                                                    cloud_broker, pki):
    gw, tls = start_with_replaceable_tls(tmp_path, local_broker, cloud_broker, pki, "1s")
    cloud_broker.wait_log("u'test-gw'")  # use_identity_as_username: the CN is the user name
    cloud = cloud_client(cloud_broker, pki).subscribe("site1/#")

    publisher, thread = stream(local_broker, "sensors/seq")
    wait_until(lambda: len(cloud.received("site1/sensors/seq")) >= COUNT // 5, timeout=30, what="traffic to flow")

    # A new certificate from the same CA, another CN and serial. The certificate
    # lands first and the key a moment later, each by rename: the watcher must
    # not connect with the mismatched pair in between.
    rotated = pki.ca.issue(f"rotated-{os.getpid()}-{id(tmp_path)}", "test-gw-rotated", chain=True)
    replace_by_rename(rotated.cert, tls["cert_file"])
    replace_by_rename(rotated.key, tls["key_file"], mode=0o600)

    gw.wait_log("TLS files changed; reconnecting with them. remote=ops")
    cloud_broker.wait_log("u'test-gw-rotated'", timeout=20)
    gw.wait_log("Connected. remote=ops", count=2)
    assert gw.count_log("TLS files changed but cannot be used") == 0

    assert_all_arrived(cloud, "site1/sensors/seq", publisher, thread)
    assert gw.count_log("Connected. remote=ops") == 2  # one reconnect, not a loop
    assert gw.stop() == 0


def test_a_rotation_to_a_key_that_does_not_match_is_refused_and_the_connection_stays(tmp_path, local_broker,
                                                                                     cloud_broker, pki):
    gw, tls = start_with_replaceable_tls(tmp_path, local_broker, cloud_broker, pki, "1s")
    cloud = cloud_client(cloud_broker, pki).subscribe("site1/#")
    local = local_client(local_broker)

    other = pki.ca.issue(f"stray-{os.getpid()}-{id(tmp_path)}", "someone-else")
    replace_by_rename(other.key, tls["key_file"], mode=0o600)
    refused = gw.wait_log("TLS files changed but cannot be used; keeping the current connection. remote=ops",
                          timeout=15)
    assert "key=key_file" in refused and "does not belong to the certificate" in refused, refused

    local.publish("sensors/after", "still flowing")
    assert cloud.wait_for(1, topic="site1/sensors/after")[0].text == "still flowing"
    assert gw.count_log("Connected. remote=ops") == 1
    assert gw.count_log("Reconnecting. remote=ops") == 0
    assert gw.count_log("TLS files changed; reconnecting") == 0
    assert cloud_broker.log_text().count("u'test-gw'") == 1

    # Putting the right key back is accepted again (same content as in use: no reconnect needed).
    replace_by_rename(pki.gateway.key, tls["key_file"], mode=0o600)
    local.publish("sensors/restored", "ok")
    assert cloud.wait_for(1, topic="site1/sensors/restored")[0].text == "ok"
    assert gw.stop() == 0


def reload(gw: Gateway, config: dict, count: int) -> str:
    """Writes `config`, sends SIGHUP and returns the `count`-th summary line."""
    gw.write_config(config)
    gw.signal(signal.SIGHUP)
    return gw.wait_log("Reloaded.", count=count)


def test_remotes_changed_added_and_removed_by_reload_keep_every_stored_message(tmp_path, local_broker, cloud_broker,
                                                                               pki):
    backup_broker = Mosquitto(str(tmp_path), "backup", tls=pki.server_files()).start()
    try:
        topics = [{"pattern": "sensors/#", "direction": "out", "remote_prefix": "site1/"}]
        remotes = {"ops": remote(cloud_broker, pki)}
        config = bridge_config(local_broker, remotes, topics)
        gw = start(tmp_path, local_broker, config)
        cloud = cloud_client(cloud_broker, pki).subscribe("site1/#")
        backup = cloud_client(backup_broker, pki).subscribe("site1/#")

        publisher, thread = stream(local_broker, "sensors/seq")
        wait_until(lambda: len(cloud.received("site1/sensors/seq")) >= COUNT // 5, timeout=30, what="traffic")
        # ops: new connection settings (recreated on the same outbox queue); backup: new.
        remotes = {"ops": remote(cloud_broker, pki, keepalive="20s"), "backup": remote(backup_broker, pki)}
        summary = reload(gw, bridge_config(local_broker, remotes, topics), 1)
        assert "remotes_added=backup" in summary and "remotes_changed=ops" in summary, summary
        gw.wait_log("Connected. remote=backup")
        assert len(cloud.received("site1/sensors/seq")) < COUNT, "the reload did not happen under traffic"

        assert_all_arrived(cloud, "site1/sensors/seq", publisher, thread)
        # The new remote carries what was published after it came: the tail of the stream, in order.
        backup.wait_for(1, topic="site1/sensors/seq", timeout=30)
        wait_until(lambda: COUNT in sequence_numbers(backup.received("site1/sensors/seq")), timeout=30,
                   what="the last message on the new remote")
        tail = sorted(set(sequence_numbers(backup.received("site1/sensors/seq"))))
        assert tail == list(range(tail[0], COUNT + 1)), "the new remote missed messages after it was added"

        # A removed remote: what it had not delivered stays in outbox.db, and the log says how much.
        backup_broker.stop()
        gw.wait_log("Connection lost. remote=backup")
        local = local_client(local_broker)
        for i in range(25):
            local.publish("sensors/while-backup-is-down", str(i))
        cloud.wait_for(25, topic="site1/sensors/while-backup-is-down")
        summary = reload(gw, bridge_config(local_broker, {"ops": remote(cloud_broker, pki, keepalive="20s")},
                                           topics), 2)
        assert "remotes_removed=backup" in summary, summary
        removed = gw.wait_log("Remote removed;")
        assert "remote=backup stored=25" in removed, removed
        local.publish("sensors/after-removal", "x")
        assert cloud.wait_for(1, topic="site1/sensors/after-removal")[0].text == "x"
        assert gw.stop() == 0
    finally:
        backup_broker.stop()


CLOSE = "sendir,1:1,1,38000,1,1,343,171,21,21,21,64,21,1517"


def test_reload_recreates_only_the_devices_whose_entry_changed(tmp_path, local_broker):
    sims = {name: ItachSimulator().start() for name in ("shade", "fan", "fan_moved", "pump")}
    try:
        def device(name: str, sim: str) -> dict:
            return {"name": name, "type": "ir_tcp", "topic": f"cmd/ir/{name}", "host": "127.0.0.1",
                    "port": sims[sim].port, "codes": {"close": CLOSE}}

        config = {"local": {"url": local_broker.url, "reconnect": {"min": "1s", "max": "2s"}},
                  "devices": [device("shade", "shade"), device("fan", "fan")]}
        gw = Gateway(str(tmp_path), config)
        gw.start(wait_for=("Connected. local", "IR blaster connected. device=shade ",
                           "IR blaster connected. device=fan "))
        client = Client(local_broker.port).connect().subscribe("cmd/ir/+/result")

        def command(name: str, sim: str) -> dict:
            before = len(sims[sim].sendirs())
            results = len(client.received(f"cmd/ir/{name}/result"))
            client.publish(f"cmd/ir/{name}", "close")
            got = client.wait_for(results + 1, topic=f"cmd/ir/{name}/result")
            wait_until(lambda: len(sims[sim].sendirs()) > before, timeout=10, what=f"a sendir at {sim}")
            return json.loads(got[-1].text)

        command("shade", "shade")
        # fan moves to another blaster, pump is new, shade is left alone.
        config["devices"] = [device("shade", "shade"), device("fan", "fan_moved"), device("pump", "pump")]
        summary = reload(gw, config, 1)
        assert "devices_added=pump" in summary and "devices_changed=fan " in summary, summary
        gw.wait_log("IR blaster connected. device=fan ", count=2)
        gw.wait_log("IR blaster connected. device=pump ")
        wait_until(lambda: sims["fan"].client_count() == 0, timeout=10, what="the old fan connection to close")
        old_fan_sendirs = len(sims["fan"].sendirs())
        command("fan", "fan_moved")
        command("pump", "pump")
        assert len(sims["fan"].sendirs()) == old_fan_sendirs
        assert sims["shade"].connections == 1, "an unchanged device was reconnected"
        assert gw.count_log("IR blaster connected. device=shade ") == 1
        command("shade", "shade")

        config["devices"] = [device("shade", "shade"), device("fan", "fan_moved")]
        summary = reload(gw, config, 2)
        assert "devices_removed=pump" in summary, summary
        wait_until(lambda: sims["pump"].client_count() == 0, timeout=10, what="the removed device to disconnect")
        assert gw.stop() == 0
    finally:
        for sim in sims.values():
            sim.stop()


def test_sighup_rereads_rotated_tls_files_without_waiting_for_the_next_check(tmp_path, local_broker, cloud_broker,
                                                                           pki):
    gw, tls = start_with_replaceable_tls(tmp_path, local_broker, cloud_broker, pki, "1h")
    cloud = cloud_client(cloud_broker, pki).subscribe("site1/#")

    rotated = pki.ca.issue(f"hup-{os.getpid()}-{id(tmp_path)}", "test-gw-hup", chain=True)
    # In place this time: the same inode, new content.
    shutil.copyfile(rotated.cert, tls["cert_file"])
    shutil.copyfile(rotated.key, tls["key_file"])
    gw.signal(signal.SIGHUP)
    summary = gw.wait_log("Reloaded.")
    assert "tls_reloaded=1" in summary and "remotes_changed=-" in summary, summary
    cloud_broker.wait_log("u'test-gw-hup'", timeout=20)
    gw.wait_log("Connected. remote=ops", count=2)
    local_client(local_broker).publish("sensors/after", "x")
    assert cloud.wait_for(1, topic="site1/sensors/after")[0].text == "x"
    assert gw.stop() == 0


def test_a_certificate_written_long_before_its_key_is_not_used_until_the_key_matches(tmp_path, local_broker,
                                                                                     cloud_broker, pki):
    gw, tls = start_with_replaceable_tls(tmp_path, local_broker, cloud_broker, pki, "1s")

    rotated = pki.ca.issue(f"slow-{os.getpid()}-{id(tmp_path)}", "test-gw-slow", chain=True)
    replace_by_rename(rotated.cert, tls["cert_file"])
    refused = gw.wait_log("TLS files changed but cannot be used", timeout=15)
    assert "does not belong to the certificate" in refused, refused
    assert gw.count_log("Reconnecting. remote=ops") == 0
    assert "u'test-gw-slow'" not in cloud_broker.log_text()

    replace_by_rename(rotated.key, tls["key_file"], mode=0o600)
    gw.wait_log("TLS files changed; reconnecting with them. remote=ops", timeout=15)
    cloud_broker.wait_log("u'test-gw-slow'", timeout=20)
    assert gw.stop() == 0


def test_reload_replaces_the_rules_and_their_subscriptions(tmp_path, local_broker):
    bright = {"name": "too_bright", "sql": "SELECT lux FROM 'sensors/greenhouse/lux1' WHERE lux > 35000",
              "actions": [{"publish": {"topic": "alerts/bright"}}]}
    warm = {"name": "too_warm", "sql": "SELECT t FROM 'sensors/greenhouse/temp' WHERE t > 30",
            "actions": [{"publish": {"topic": "alerts/warm"}}]}
    config = bridge_config(local_broker, {}, [], rules=[bright])
    gw = Gateway(str(tmp_path), config).start()
    watcher = local_client(local_broker).subscribe("alerts/#")
    sensor = local_client(local_broker)

    sensor.publish("sensors/greenhouse/lux1", json.dumps({"lux": 40000}))
    watcher.wait_for(1, topic="alerts/bright")

    config["rules"] = [warm]
    summary = reload(gw, config, 1)
    assert "rules_changed=true" in summary, summary
    # The old rule's topic first, then the new one's: the first must not alert, the second must.
    sensor.publish("sensors/greenhouse/lux1", json.dumps({"lux": 40000}))
    sensor.publish("sensors/greenhouse/temp", json.dumps({"t": 31}))
    assert json.loads(watcher.wait_for(1, topic="alerts/warm")[0].text) == {"t": 31}
    assert len(watcher.received("alerts/bright")) == 1
    assert gw.stop() == 0


def test_systemd_hears_reloading_then_ready_around_a_sighup(tmp_path, local_broker, cloud_broker, pki):
    from test_service_lifecycle import NotifySocket
    notify = NotifySocket(str(tmp_path))
    config = bridge_config(local_broker, {"ops": remote(cloud_broker, pki)}, [{"pattern": "a/#"}])
    gw = Gateway(str(tmp_path), config)
    gw.env["NOTIFY_SOCKET"] = notify.path
    gw.start(wait_for=("Connected. remote=ops",))
    wait_until(lambda: notify.states("READY"), timeout=10, what="READY=1")
    config["topics"] = [{"pattern": "a/#"}, {"pattern": "b/#"}]
    reload(gw, config, 1)
    wait_until(lambda: len(notify.states("READY")) >= 2, timeout=10, what="READY=1 after the reload")
    reloading = notify.states("RELOADING")
    ready = notify.states("READY")
    assert len(reloading) == 1 and ready[0] < reloading[0] <= ready[1]
    assert gw.stop() == 0
    notify.close()


def test_removing_a_wider_mapping_keeps_the_narrower_one_delivering(tmp_path, local_broker, cloud_broker, pki):
    """MQTT 5 subscription identifiers: after the reload the broker sends only the
    narrower subscription's identifier; the gateway must not take that copy for a
    duplicate of the removed wider one."""
    wide = {"pattern": "sensors/#", "direction": "out", "remote_prefix": "all/"}
    narrow = {"pattern": "sensors/greenhouse/#", "direction": "out", "remote_prefix": "gh/"}
    config = bridge_config(local_broker, {"ops": remote(cloud_broker, pki)}, [wide, narrow])
    gw = start(tmp_path, local_broker, config)
    cloud = cloud_client(cloud_broker, pki).subscribe("#")
    local = local_client(local_broker)
    local.publish("sensors/greenhouse/lux", "1")
    assert cloud.wait_for(1, topic="all/sensors/greenhouse/lux")[0].text == "1"

    config["topics"] = [narrow]
    reload(gw, config, 1)
    local.publish("sensors/greenhouse/lux", "2")
    assert cloud.wait_for(1, topic="gh/sensors/greenhouse/lux")[0].text == "2"
    assert gw.stop() == 0
