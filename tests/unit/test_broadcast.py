"""mizan.core.broadcast: engine group names every engine accepts, what another tab is told
after a mutation, and a push that nothing could carry (CHAN-5, CHAN-6, WS-9)."""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from mizan.core import broadcast

# Channels' group-name rule: ASCII letters, digits, hyphens, underscores and periods, under 100.
CHANNELS_GROUP_NAME = re.compile(r"[A-Za-z0-9._-]{1,99}")


@given(channel=st.text(), group=st.text())
def test_chan6_channel_groups_are_valid_engine_names_and_never_shared(channel: str, group: str) -> None:
    name = broadcast.channel_group(channel, group)
    assert CHANNELS_GROUP_NAME.fullmatch(name)
    assert name != broadcast.channel_group(channel + "x", group)
    assert name != broadcast.channel_group(channel, group + "x")
    assert name == broadcast.channel_group(channel, group)


@given(key=st.text())
def test_ws9_user_groups_are_valid_engine_names_apart_from_channel_groups(key: str) -> None:
    name = broadcast.user_group(key)
    assert CHANNELS_GROUP_NAME.fullmatch(name)
    assert name.startswith(broadcast.USER_GROUP_PREFIX)
    assert not name.startswith(broadcast.CHANNEL_GROUP_PREFIX)


def test_ws9_a_merge_is_pushed_as_the_member_it_touched() -> None:
    """Another tab may not hold what a merge splices into: it refetches that member."""
    invalidate = ["feed", {"context": "user", "params": {"user_id": 5}}]
    merge = [
        {"context": "user", "params": {"user_id": 5}, "slot": "user_profile", "value": {"name": "Ada"}},
        {"context": "stats", "slot": "stats_total", "value": 3},
        {"context": "user", "params": {"user_id": 5}, "slot": "user_profile", "value": {"name": "Ada"}},
    ]
    assert broadcast.invalidation_targets(invalidate, merge) == [
        "feed",
        {"context": "user", "params": {"user_id": 5}},
        {"context": "user", "function": "user_profile", "params": {"user_id": 5}},
        {"context": "stats", "function": "stats_total"},
    ]


def test_chan5_a_push_nothing_can_carry_is_an_error_not_a_silent_loss() -> None:
    """A worker that pushes without importing its adapter gets ConfigError."""
    script = (
        "import pydantic\n"
        "from mizan.channels import ReactChannel, register\n"
        "from mizan.core.errors import ConfigError\n"
        "class News(ReactChannel):\n"
        "    class DjangoMessage(pydantic.BaseModel):\n"
        "        text: str\n"
        "register(News, 'news')\n"
        "try:\n"
        "    News.push(None, {'text': 'hi'})\n"
        "except ConfigError as error:\n"
        "    print('refused:', error)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("refused: nothing carries pushes in this process"), result.stderr
