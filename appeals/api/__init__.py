"""The REST API for integrations and the browser (/api/v1/), its OpenAPI docs, and Open311 (/open311/v2/).

An edge, like the pages: may import the lifecycle, the desk's filters, access, notices (webhook endpoints),
routing, listening and the models. Nothing but the URLconf imports it. intake.py turns the intake contract into
lifecycle registrations; intake_serializers.py reads it and draws the receipts.
"""
