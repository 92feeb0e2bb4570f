"""The example clients of docs/examples/ run against the real server, so they cannot rot."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.accounts import PASSWORD
from tests.support.chat_client import ChatSocket
from tests.support.waiting import WAIT, wait_until

pytestmark = pytest.mark.server

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def load_python_example():
    spec = importlib.util.spec_from_file_location("campus_example_client", EXAMPLES / "client.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The examples have no hooks to wait on: tests poll their state, within this bound.
EXAMPLE_WAIT = 3 * WAIT


def test_python_example_sends_receives_and_survives_a_server_restart(live, api):
    example = load_python_example()
    ann, bob = api.register("ann"), api.register("bob")
    chat_id = api.ok(ann, "POST", "/chats", json={"type": "private", "user_id": bob.id})["id"]
    ann_chat = example.CampusChat(live.url, ann.email, PASSWORD).connect()
    bob_chat = example.CampusChat(live.url, bob.email, PASSWORD).connect()
    try:
        ann_chat.send(chat_id, "hello bob")
        wait_until(
            lambda: [m["body"] for m in bob_chat.messages(chat_id)] == ["hello bob"],
            "bob to receive",
            timeout=EXAMPLE_WAIT,
        )

        # Killed server: written while it is down, the message waits and goes out on reconnect.
        live.kill()
        wait_until(lambda: not ann_chat.sio.connected, "ann to notice", timeout=EXAMPLE_WAIT)
        written_offline = ann_chat.send(chat_id, "written while the server was down")
        live.start()
        wait_until(lambda: not ann_chat.pending, "the pending message to be acknowledged", timeout=EXAMPLE_WAIT)
        wait_until(lambda: len(bob_chat.messages(chat_id)) == 2, "bob to catch up", timeout=EXAMPLE_WAIT)
        with ChatSocket(live.url, ann.token) as check:
            check.send(chat_id, "from elsewhere")  # reaches bob's example live, as seq 3
        wait_until(lambda: len(bob_chat.messages(chat_id)) == 3, "bob to receive seq 3", timeout=EXAMPLE_WAIT)
    finally:
        ann_chat.close()
        bob_chat.close()

    history = api.history(bob, chat_id)
    assert [m["body"] for m in history] == ["hello bob", "written while the server was down", "from elsewhere"]
    assert history[1]["client_id"] == written_offline
    assert bob_chat.messages(chat_id) == history
    assert ann_chat.failed == {}


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_js_example_sends_what_is_typed(live, api):
    ann, bob = api.register("ann"), api.register("bob")
    chat_id = api.ok(ann, "POST", "/chats", json={"type": "private", "user_id": bob.id})["id"]
    run = subprocess.run(
        ["node", str(EXAMPLES / "client.js"), live.url, ann.email, PASSWORD, str(chat_id)],
        input="first line\nsecond line\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert [m["body"] for m in api.history(bob, chat_id)] == ["first line", "second line"]
    assert "#2 user" in run.stdout  # its own messages came back as events or acks, in seq order


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_js_example_resends_what_was_typed_while_the_server_was_down(live, api):
    ann, bob = api.register("ann"), api.register("bob")
    chat_id = api.ok(ann, "POST", "/chats", json={"type": "private", "user_id": bob.id})["id"]
    node = subprocess.Popen(
        ["node", str(EXAMPLES / "client.js"), live.url, ann.email, PASSWORD, str(chat_id)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        node.stdin.write("before the crash\n")
        node.stdin.flush()
        wait_until(lambda: len(api.history(bob, chat_id)) == 1, "the first line to be stored", timeout=EXAMPLE_WAIT)
        live.kill()
        node.stdin.write("typed while the server was down\n")
        node.stdin.flush()
        live.start()
        # End of input (communicate closes stdin): the example leaves once all is acknowledged.
        _out, err = node.communicate(timeout=60)
    finally:
        if node.poll() is None:
            node.kill()
            node.wait(10)
    assert node.returncode == 0 and "not acknowledged" not in err, err
    assert [m["body"] for m in api.history(bob, chat_id)] == ["before the crash", "typed while the server was down"]
