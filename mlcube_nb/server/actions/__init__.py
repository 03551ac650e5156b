"""Rule actions: the senders the outbox dispatcher calls for each queued delivery.

``dispatch.deliver`` routes a stored action to its sender (webhooks, e-mail, MQTT, AWS EventBridge, GCP
Pub/Sub, Azure Event Grid, retrain triggers) and turns every receiver problem into a ``DeliveryResult``;
``context.delivery_context`` gathers the decrypted credentials and retrain trigger an action needs.
"""
