"""Reads edgebridge's outbox.db the way an operator could with sqlite3."""
import json
import sqlite3


def rows(path: str, remote: str) -> list[dict]:
    """Rows waiting for `remote`, oldest first (read-only; safe while it runs)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        found = db.execute("SELECT id FROM remotes WHERE name = ?", (remote,)).fetchone()
        if not found:
            return []
        table = f"q_{int(found[0])}"
        return [{"id": r[0], "topic": r[1], "payload": r[2]}
                for r in db.execute(f"SELECT id, topic, payload FROM {table} ORDER BY id")]
    finally:
        db.close()


def waiting_sequence_numbers(path: str, remote: str) -> set[int]:
    return {json.loads(r["payload"])["seq"] for r in rows(path, remote)}


def integrity_check(path: str) -> str:
    db = sqlite3.connect(path, timeout=10)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
