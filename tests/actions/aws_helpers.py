"""EventBridge in moto's server mode, as the action tests use it: a bus forwarding one source to a queue."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

REGION = "eu-west-1"


def bus_to_queue(moto_url: str, source: str) -> tuple[str, Any, str]:
    """A fresh bus whose rule sends events of *source* to a fresh queue: (bus name, sqs client, queue url)."""
    import boto3

    name = f"bus-{uuid.uuid4().hex[:8]}"
    events = boto3.client("events", region_name=REGION, endpoint_url=moto_url)
    sqs = boto3.client("sqs", region_name=REGION, endpoint_url=moto_url)
    events.create_event_bus(Name=name)
    queue_url = sqs.create_queue(QueueName=f"q-{name}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"r-{name}", EventBusName=name, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=f"r-{name}", EventBusName=name, Targets=[{"Id": "queue", "Arn": arn}])
    return name, sqs, queue_url


def arrived(sqs: Any, queue_url: str, wait_s: float = 1.0) -> list[dict[str, Any]]:
    """The events the queue received (waiting up to *wait_s* for the first ones)."""
    deadline = time.monotonic() + wait_s
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", [])
        if messages or time.monotonic() >= deadline:
            return [json.loads(m["Body"]) for m in messages]
