"""The engine side of the plugin bridge: `rnnmusic serve` plays into rnnmusic LV2 plugin instances.

Each plugin instance publishes the host's position in a shared-memory segment
(:mod:`rnnmusic.serve.protocol`, docs/plugin-protocol.md); :class:`Server` finds every segment,
gives each its own note stream and keeps notes written a few beats ahead of the host.
"""

from rnnmusic.serve.protocol import PROTOCOL_VERSION, Position, Segment, find_segments
from rnnmusic.serve.server import ServeConfig, Server

__all__ = ["PROTOCOL_VERSION", "Position", "Segment", "ServeConfig", "Server", "find_segments"]
