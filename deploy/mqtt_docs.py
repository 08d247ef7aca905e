"""Generate ``docs/mqtt-topics.md`` from the topic contract (``edge/comms/topics.py``).

    python -m deploy.mqtt_docs > docs/mqtt-topics.md

Field tables and JSON schemas come from the pydantic models, and every example
payload is validated against its model while generating, so the document
cannot drift from the code: ``tests/test_edge_docs.py`` fails when the
committed file differs from this output.
"""

from __future__ import annotations

import json
from typing import Any

from edge.comms import topics as t

TS = 1767225600.0  # 2026-01-01T00:00:00Z: fixed, so the output is reproducible

# Topic patterns come from the real TopicTree, with placeholders for the ids.
_P = t.TopicTree("{store}", "{device}", "{p}")

# name -> (topic pattern, direction seen from the device, QoS, retained, who publishes, meaning)
TOPICS: dict[str, tuple[str, str, int, bool, str, str]] = {
    "location": (_P.location, "in", 0, False, "location system / simulator",
                 "A shopper entered or left a zone. The device recomputes every display facing that zone "
                 "for the shopper now in front of it (the latest arrival)."),
    "camera": (_P.camera_zone("{camera}"), "in", 0, False, "edge-camera",
               "Anonymous zone events. `linger` (with `display_id`) refreshes that display; the others "
               "update zone occupancy shown in the device status."),
    "inventory": (_P.inventory, "in", 1, False, "smart shelves / stock system",
                  "Absolute stock count. An item below `policy.min_stock` is never recommended; every display "
                  "showing it is refreshed at once. `shelf` naming a display places the item there (near boost)."),
    "pos": (_P.pos, "in", 1, False, "tills",
            "A completed purchase, recorded once per `transaction_id`. Items bought in the visit leave every "
            "display addressing the shopper; a loyalty member's purchases become their history."),
    "interaction": (_P.interaction("{display}"), "in", 1, False, "screens / smart shelves",
                    "A touch or pickup at a display; a pickup joins the shopper's history and the display is "
                    "refreshed."),
    "request": (_P.request, "in", 1, False, "screens (any requester the ACL allows)",
                "On-demand recommendations: set the MQTT 5 *Response Topic* inside your own reply "
                "namespace `{p}/{store}/reply/{client}/...` (and optionally *Correlation Data*); the reply "
                "is a `recommendations` payload published there with the same correlation data. A request "
                "without a response topic, or with one outside the reply namespace, is dead-lettered with "
                "the reason. A shopper named in the request gets a personal list only while standing in "
                "that zone; anyone else's request gets the anonymous list (docs/security.md)."),
    "reply": (_P.reply("{client}") + "/...", "out", 1, False, "device",
              "Replies to requests, only into the requester's reply namespace; the broker ACL lets each "
              "client read only its own (`reply/<its name>/#`) and only the device write there."),
    "recommendations": (_P.recommendations("{display}"), "out", 1, True, "device",
                        "What the display shows now. `cause.signal_id` names the signal that caused it "
                        "(null at start-up). Republished on every reconnect."),
    "rendered": (_P.rendered("{display}"), "in", 1, False, "edge-signage (for its browsers)",
                 "Proof of play: a signage page drew this recommendation. The device records `shown_at` "
                 "as the impression's time, so an impression means a person could see the list "
                 "(docs/signage.md). A confirmation for a list already confirmed is ignored."),
    "shelf": (_P.shelf("{display}"), "out", 1, True, "edge-signage",
              "The recommendation of a `shelf` display in the compact form shelf-edge labels and LED "
              "strips take: which shelf positions to highlight, a short text, price and department "
              "colour. Derived by edge-signage from the retained recommendation (docs/signage.md)."),
    "status": (_P.status, "out", 1, True, "device (and the broker, as last will)",
               "`online` on every connect and every 30 s with counters, stage timings and health; "
               "`offline` on clean stop, or from the broker as the last will when the device dies. "
               "The reported state the fleet service reads: `detail.model` = `{active, previous}` "
               "(ReportedModel) and `detail.ota` = `{state, version, rollout_id, bytes, total, reason, ts}` "
               "(OtaReport) with `state` one of " + ", ".join(f"`{s}`" for s in t.OTA_STATES) + "; "
               "`reason` starts with a reason word (`tampered: ...`, `slow_model: ...`)."),
    "camera_status": (_P.camera_status("{camera}"), "in", 1, True, "edge-camera (and its last will)",
                      "Health of a camera process. The device subscribes and shows each camera's state "
                      "in `status.detail.cameras`, republishing its status when a camera's state changes."),
    "deadletter": (_P.deadletter, "out", 0, False, "device",
                   "Every inbound message the device rejected, with the reason. Also counted in "
                   "`status.detail.rejected`."),
    "feedback": (_P.feedback, "out", 1, False, "device feedback sender",
                 "Impressions, interactions and conversions from the device outbox, in sequence order "
                 "(docs/feedback.md)."),
    "feedback_ack": (_P.feedback_ack, "in", 1, True, "cloud ingest (bridged back)",
                     "The cloud's contiguous watermark per device and outbox epoch: the sender marks rows "
                     "confirmed up to it and re-sends only when it stops advancing (docs/feedback.md)."),
    "desired": (_P.desired, "in", 1, True, "fleet service (docs/fleet.md)",
                "The model the fleet wants this device to run. The device downloads `artifact_url` with its "
                "bearer token (resumable, at most `size` bytes), checks `sha256` and the bundle's signature, "
                "refuses an older version unless `allow_downgrade`, and reports progress in "
                "`status.detail.ota`. An empty retained payload clears it. A malformed one is dead-lettered "
                "and the device keeps serving."),
}

SHOPPER = {"track_id": "trk-81", "loyalty_id": "hh-1027"}
RECO_ITEM = {"item_id": "1029743", "name": "FLUID MILK WHITE ONLY", "category": "FLUID MILK PRODUCTS",
             "price": 2.49, "score": 1.3721, "position": 1, "reason": "right here in Grocery",
             "department": "GROCERY"}
EXAMPLES: dict[str, dict[str, Any]] = {
    "location": {"v": 1, "signal_id": "loc-000123", "ts": TS, "shopper": SHOPPER, "zone": "produce",
                 "action": "enter"},
    "camera": {"v": 1, "signal_id": "cam1-4411", "ts": TS, "camera_id": "cam1", "zone": "grocery",
               "event": "linger", "track_id": "c-17", "dwell_s": 6.4, "display_id": "aisle-endcap-mid"},
    "inventory": {"v": 1, "signal_id": "shelf-9-551", "ts": TS, "item_id": "1029743", "quantity": 0,
                  "shelf": "aisle-endcap-mid"},
    "pos": {"v": 1, "signal_id": "till-2-8812", "ts": TS, "transaction_id": "31625220889",
            "shopper": {"loyalty_id": "hh-1027"},
            "items": [{"item_id": "1029743", "quantity": 1, "price": 2.49}]},
    "interaction": {"v": 1, "signal_id": "screen-3-77", "ts": TS, "kind": "pickup", "item_id": "1029743",
                    "recommendation_id": "demo-edge-1-1a2b-42", "shopper": {"track_id": "trk-81"}},
    "request": {"v": 1, "request_id": "req-7", "display_id": "front-screen", "k": 3},
    "recommendations": {"v": 1, "recommendation_id": "demo-edge-1-1a2b-43", "display_id": "produce-shelf",
                        "zone": "produce",
                        "cause": {"signal_id": "loc-000123", "topic": "store/cj-demo/shopper/location"},
                        "shopper": "l:hh-1027", "model_version": "cj-20260101-abc123", "strategy": "model",
                        "generated_at": TS, "items": [RECO_ITEM]},
    "reply": {"v": 1, "recommendation_id": "demo-edge-1-1a2b-44", "display_id": "front-screen",
              "zone": "entrance", "cause": {"signal_id": "req-7", "topic": "store/cj-demo/device/demo-edge-1/request"},
              "shopper": None, "model_version": "cj-20260101-abc123", "strategy": "model",
              "generated_at": TS, "items": [RECO_ITEM]},
    "rendered": {"v": 1, "recommendation_id": "demo-edge-1-1a2b-43", "cause_signal_id": "loc-000123",
                 "shown_at": TS + 0.012, "screen": "produce-shelf-1"},
    "shelf": {"v": 1, "display_id": "produce-shelf", "recommendation_id": "demo-edge-1-1a2b-43",
              "cause_signal_id": "loc-000123", "generated_at": TS,
              "labels": [{"slot": 1, "item_id": "1029743", "text": "Fluid Milk White Only",
                          "price": 2.49, "colour": "#2e7d32"}]},
    "status": {"v": 1, "device_id": "demo-edge-1", "state": "online", "ts": TS,
               "model_version": "cj-20260101-abc123",
               "detail": {"received": {"location": 1200}, "rejected": {}, "published": 1630,
                          "health": {"inference": "ok"},
                          "model": {"active": "cj-20260101-abc123", "previous": "cj-20251201-9f00aa"},
                          "ota": {"state": "active", "version": "cj-20260101-abc123", "rollout_id": "r-12",
                                  "reason": None, "ts": TS}}},
    "camera_status": {"v": 1, "camera_id": "cam1", "state": "online", "ts": TS, "detail": {"fps": 9.8}},
    "deadletter": {"v": 1, "topic": "store/cj-demo/shopper/location",
                   "reason": "zone: unknown zone 'garden'", "payload": "{\"v\":1,...}", "ts": TS},
    "feedback": {"v": 1, "event_id": "demo-edge-1:17", "device_id": "demo-edge-1", "store_id": "cj-demo",
                 "seq": 17, "kind": "impression", "ts": TS, "model_version": "cj-20260101-abc123",
                 "data": {"recommendation_id": "demo-edge-1-1a2b-43"}},
    "feedback_ack": {"v": 1, "device_id": "demo-edge-1", "epoch": "5f3a9c0e", "watermark": 17, "ts": TS},
    "desired": {"v": 1, "device_id": "demo-edge-1", "model_version": "cj-20260101-abc123",
                "artifact_url": "https://fleet.example.com/artifacts/cj-20260101-abc123.tar.gz",
                "sha256": "9f2c" + "0" * 60, "size": 1650021, "key_id": "3b8e1f0c2a9d4e57",
                "rollout_id": "r-12", "allow_downgrade": False, "ts": TS},
}


def _type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in prop:
        return " or ".join(_type(p, defs) for p in prop["anyOf"])
    if "const" in prop:
        return json.dumps(prop["const"])
    if "enum" in prop:
        return " \\| ".join(json.dumps(v) for v in prop["enum"])
    if prop.get("type") == "array":
        return f"list of {_type(prop.get('items', {}), defs)}"
    return str(prop.get("type", "any"))


def _limits(prop: dict[str, Any]) -> str:
    marks = []
    for key, label in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="),
                       ("minLength", "len >="), ("maxLength", "len <="), ("minItems", "items >="),
                       ("maxItems", "items <=")):
        if key in prop:
            marks.append(f"{label} {prop[key]}")
    for sub in prop.get("anyOf", []):
        marks += [m for m in _limits(sub).split(", ") if m and m not in marks]
    return ", ".join(marks)


def field_table(schema: dict[str, Any]) -> list[str]:
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    rows = ["| field | type | required | notes |", "|---|---|---|---|"]
    for name, prop in schema["properties"].items():
        notes = " ".join(x for x in (prop.get("description", ""), _limits(prop)) if x)
        rows.append(f"| `{name}` | {_type(prop, defs)} | {'yes' if name in required else 'no'} | {notes} |")
    for dname, dschema in defs.items():
        rows += ["", f"`{dname}`: {dschema.get('description', '').strip()}", "",
                 "| field | type | required | notes |", "|---|---|---|---|"]
        dreq = set(dschema.get("required", []))
        for name, prop in dschema.get("properties", {}).items():
            notes = " ".join(x for x in (prop.get("description", ""), _limits(prop)) if x)
            rows.append(f"| `{name}` | {_type(prop, defs)} | {'yes' if name in dreq else 'no'} | {notes} |")
    return rows


def render() -> str:
    out = [
        "# MQTT topics and payloads",
        "",
        "<!-- Generated by `python -m deploy.mqtt_docs > docs/mqtt-topics.md` from",
        "     edge/comms/topics.py; tests/test_edge_docs.py checks it is current. -->",
        "",
        "The one wire contract between the store device, the camera, screens, shelves, tills, the",
        "simulator and the cloud. `{p}` is `broker.topic_prefix` (default `store`), `{store}` the",
        "store id, `{device}` the device id; ids never contain `/`, `+`, `#` or spaces.",
        "",
        "Every payload is a JSON object with `\"v\": 1`, the schema version (absent means 1): a device",
        "rejects any other version rather than guess. Unknown keys are errors, not ignored. Timestamps",
        "are Unix seconds.",
        "Every inbound signal carries a sender-chosen `signal_id`; the recommendation it causes names it",
        "in `cause.signal_id`, so a screen, a log and a benchmark can match them.",
        "",
        "| topic | dir | QoS | retained | payload | published by |",
        "|---|---|---|---|---|---|",
    ]
    for name, (topic, direction, qos, retained, who, _) in TOPICS.items():
        out.append(f"| `{topic}` | {direction} | {qos} | {'yes' if retained else 'no'} | "
                   f"[{t.ALL_MODELS[name].__name__}](#{name}) | {who} |")
    out += [
        "",
        "Directions are as seen from the device. The device connects with MQTT 5, a stable client id,",
        "clean start off and a one-day session expiry, so QoS 1 messages sent to it while it is away",
        "are queued by the broker; its own QoS 1 publishes made while disconnected are queued in",
        "memory and sent after the reconnect. QoS 0 topics (location, camera, dead letters) are best",
        "effort by design: a shopper's next move supersedes a lost one.",
        "",
        "**Rejected input.** A payload that fails validation, names an unknown zone or display, or",
        "cannot be acted on is published to `deadletter` with a reason (`field: why`), counted in",
        "`status.detail.rejected`, logged, and the loop goes on.",
        "",
        "**Limits (admission before work).** An inbound payload longer than "
        f"{t.MAX_PAYLOAD_BYTES:,} bytes is",
        "dead-lettered unread (`payload: N bytes, more than ...`); the store broker forwards nothing",
        "over four times that (`message_size_limit`/`max_packet_size` in",
        "`deploy/mosquitto/store-broker.conf`). Numbers are finite: JSON has no",
        "`NaN` or `Infinity`, and a payload using them is rejected with the field's path. Every number",
        "and string has the bounds in the tables below: inventory and POS quantities at most "
        f"{t.MAX_QUANTITY:,},",
        f"timestamps at most {t.MAX_TS:.0f} (2100-01-01), ids at most 128 characters, at most "
        f"{t.MAX_POS_LINES} lines",
        "in one POS purchase. Everything the device publishes is strict JSON.",
        "",
    ]
    all_schemas = t.all_schemas()
    for name, (topic, direction, qos, retained, who, meaning) in TOPICS.items():
        model = t.ALL_MODELS[name]
        example = EXAMPLES[name]
        model.model_validate(example)  # examples are checked against the contract
        schema = all_schemas[name]
        out += [
            f"<a id=\"{name}\"></a>",
            f"## `{topic}`",
            "",
            f"**{model.__name__}**, schema version 1, {direction}, QoS {qos}, "
            f"{'retained' if retained else 'not retained'}; published by {who}.",
            "",
            meaning,
            "",
            *field_table(schema),
            "",
            "Example:",
            "",
            "```json",
            json.dumps(example, indent=1),
            "```",
            "",
            "<details><summary>JSON schema</summary>",
            "",
            "```json",
            json.dumps(schema, indent=1),
            "```",
            "",
            "</details>",
            "",
        ]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
