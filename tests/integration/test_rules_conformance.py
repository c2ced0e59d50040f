"""The AWS IoT Developer Guide's SQL examples (tests/rules_conformance/
aws_iot_sql_examples.json, one row per example with the page it comes from)
through `edgebridge rules test`, as a user would try a rule copied from AWS:
each row is a rule in a bridge.yaml, and the command's report must show the
result the guide states (or the difference the table records). No broker is
needed: `rules test` sends nothing."""
import json
import os
import re

import pytest

from harness.gateway import REPO, Gateway, run_cli

TABLE = os.path.join(REPO, "tests", "rules_conformance", "aws_iot_sql_examples.json")
with open(TABLE, encoding="utf-8") as f:
    ROWS = json.load(f)["examples"]


def sql_of(row: dict) -> str:
    return row["sql"] if "sql" in row else f"SELECT VALUE {row['expression']} FROM '#'"


def rule_of(index: int, row: dict) -> dict:
    return {
        "name": f"r{index}",
        "sql": sql_of(row),
        "actions": [{"publish": {"topic": row.get("action_topic", "conformance/out")}}],
    }


def config(rules: list) -> dict:
    return {"local": {"url": "mqtt://127.0.0.1:1"}, "remotes": {}, "topics": [], "rules": rules}


def same_json(a, b) -> bool:
    """JSON equality with numbers within 1e-12 (an Int equals a whole Decimal)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return a == b


def line(out: str, label: str) -> str:
    for text in out.splitlines():
        if text.startswith(label):
            return text[len(label):]
    raise AssertionError(f"no {label.strip()} line in:\n{out}")


@pytest.fixture(scope="module")
def table_config(tmp_path_factory):
    """One bridge.yaml holding every example that loads, as rule r<index>."""
    rules = [rule_of(i, row) for i, row in enumerate(ROWS) if "error" not in row]
    return Gateway(str(tmp_path_factory.mktemp("conformance")), config(rules)).config_path


@pytest.mark.parametrize("index", range(len(ROWS)), ids=[f"{i}:{sql_of(r)[:60]}" for i, r in enumerate(ROWS)])
def test_the_guide_example_gives_the_documented_result(index, table_config, tmp_path):
    row = ROWS[index]
    args = ["--topic", row.get("topic", "things/myThings/thingOne"), "--payload", row.get("payload", "{}")]
    if "source" in row:
        args += ["--source", row["source"]]

    if "error" in row:  # refused at load, with the reason
        path = Gateway(str(tmp_path), config([rule_of(index, row)])).config_path
        result = run_cli("rules", "test", "-c", path, "--rule", f"r{index}", *args)
        assert result.returncode == 2, result.stdout
        assert row["error"] in result.stderr
        return

    result = run_cli("rules", "test", "-c", table_config, "--rule", f"r{index}", *args)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    if not row.get("from_matches", True):
        assert "does NOT match the topic" in line(out, "FROM    ")
        return
    assert "matches the topic" in line(out, "FROM    ")
    where = row.get("where", "true")
    if "WHERE" in sql_of(row).upper().split("FROM")[-1] or where != "true":
        assert line(out, "WHERE   ").split()[0] == where
    if where != "true":
        assert "The rule would not fire for this message." in out
        return
    assert "The rule would fire and:" in out

    selected = line(out, "SELECT  ")
    if "output_text" in row:
        assert selected == row["output_text"]
    if "output" in row:
        assert same_json(json.loads(selected), row["output"]), selected
    if "value" in row:
        assert same_json(json.loads(selected), row["value"]), selected
    if row.get("undefined"):
        assert selected == ""
    if "match" in row:
        assert re.search(row["match"], selected), selected

    published = re.search(r"1\. publish to local topic (\S*) \(qos 1\)", out)
    assert published, out
    if "published_topic" in row:
        assert published.group(1) == row["published_topic"]
    if "published_topic_match" in row:
        assert re.search(row["published_topic_match"], published.group(1)), published.group(1)
