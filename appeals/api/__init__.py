"""The REST API for integrations and the browser (/api/v1/), its OpenAPI docs, and Open311 (/open311/v2/)."""
