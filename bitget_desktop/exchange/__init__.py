"""The async Bitget client: REST, websocket streams and signing; knows nothing of Qt."""
