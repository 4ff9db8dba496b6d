"""The configuration file of ``plateledger ingest-mqtt`` (YAML, unknown keys refused)::

    broker: {host: localhost, port: 1883, client_id: plateledger-ingest,
             username: null, password_file: null}
    frigate:                     # optional: Frigate's topics under topic_prefix
      topic_prefix: frigate
      cameras: {driveway: cam-il-001}   # Frigate camera name -> plateledger camera id
      snapshot_wait_s: 0.3       # how long an event waits for its camera's snapshot
      snapshot_max_age_s: 5      # a snapshot older than this is not the event's crop
    topics:                      # optional: other JSON publishers, one mapping each
      - topic: alpr/+/reads
        mapping: {source: acme, fields: {...}, cameras: {...}}   # as in mapping files

Subscriptions are QoS 1 on a persistent session (``client_id``): a message is acknowledged
only once its read is stored (or it is refused or a duplicate), so a subscriber killed before
that gets it again from the broker when it comes back.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from plateledger.errors import ValidationError
from plateledger.ingest.mapping import FieldMapping


class Broker(BaseModel):
    """Where the MQTT broker is."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    host: str = Field(default="localhost", title="Host", description="broker host name")
    port: int = Field(default=1883, ge=1, le=65535, title="Port", description="broker TCP port")
    client_id: str = Field(
        default="plateledger-ingest",
        min_length=1,
        max_length=64,
        title="Client id",
        description="the persistent session's id: keep it stable across restarts",
    )
    username: str | None = Field(default=None, title="User name", description="broker user, if any")
    password_file: Path | None = Field(
        default=None, title="Password file", description="file holding the broker password"
    )


class Frigate(BaseModel):
    """Frigate's topics and its camera names."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    topic_prefix: str = Field(
        default="frigate",
        min_length=1,
        title="Topic prefix",
        description="Frigate's mqtt.topic_prefix",
    )
    source: str = Field(
        default="frigate",
        min_length=1,
        max_length=100,
        title="Source",
        description="names this Frigate; its event ids are unique within it",
    )
    cameras: dict[str, str] = Field(
        ...,
        min_length=1,
        title="Cameras",
        description="Frigate camera name -> registered plateledger camera id",
    )
    snapshot_wait_s: float = Field(
        default=0.3,
        ge=0,
        le=5,
        title="Snapshot wait",
        description="seconds an event waits for a snapshot",
    )
    snapshot_max_age_s: float = Field(
        default=5.0,
        gt=0,
        le=60,
        title="Snapshot age",
        description="older snapshots are not attached",
    )


class TopicMapping(BaseModel):
    """A topic filter whose JSON payloads are mapped by a mapping."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    topic: str = Field(..., min_length=1, title="Topic", description="MQTT topic filter")
    mapping: FieldMapping = Field(..., title="Mapping", description="as in a mapping file")


class MqttConfig(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    broker: Broker = Field(default=Broker(), title="Broker", description="the broker")
    frigate: Frigate | None = Field(default=None, title="Frigate", description="Frigate's topics")
    topics: list[TopicMapping] = Field(
        default_factory=list, title="Topics", description="other JSON topics"
    )

    def filters(self) -> list[str]:
        """The topic filters to subscribe to."""
        out = [t.topic for t in self.topics]
        if self.frigate is not None:
            p = self.frigate.topic_prefix
            out += [f"{p}/tracked_object_update", f"{p}/events", f"{p}/+/+/snapshot"]
        return out


def load_mqtt_config(path: Path) -> MqttConfig:
    """Read and check the file; a mistake names the key at fault."""
    try:
        config = MqttConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise ValidationError(f"{path}: {exc.strerror}", {"file": str(path)}) from None
    except yaml.YAMLError:
        raise ValidationError(f"{path}: not valid YAML", {"file": str(path)}) from None
    except PydanticError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "config"
        raise ValidationError(f"{path}: {where}: {first['msg']}", {"field": where}) from None
    if not config.filters():
        raise ValidationError(f"{path}: nothing to subscribe to (add frigate or topics)")
    return config
