"""Create an integration and print its token once (it cannot be read back: only its hash is stored).

python manage.py create_integration --name "Citizens' portal" --agency min --scope intake --scope read
python manage.py create_integration --name "Citizens' portal" --rotate      # a new token, the old one stops
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agencies.models import Agency
from appeals.access.integrations import integration_create, integration_rotate_token, webhook_endpoint_create
from appeals.models import Integration, IntegrationScope


class Command(BaseCommand):
    help = "Create an API integration (or give an existing one a new token) and print the token once."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The integration's name (unique).")
        parser.add_argument("--agency", help="The code of the agency whose subtree the integration works in.")
        parser.add_argument(
            "--scope",
            action="append",
            choices=IntegrationScope.values,
            help="intake (submit appeals) and/or read (statuses, answers, webhooks); repeat for both.",
        )
        parser.add_argument("--rate-limit", default="", help="e.g. 600/min; default: the API_RATE_LIMIT setting.")
        parser.add_argument("--webhook", help="Also register this webhook URL and print its signing secret once.")
        parser.add_argument("--rotate", action="store_true", help="Issue a new token for an existing integration.")

    def handle(self, *args, **options):
        try:
            if options["rotate"]:
                integration = Integration.objects.filter(name=options["name"]).first()
                if integration is None:
                    raise CommandError(f"No integration is named {options['name']!r}.")
                token = integration_rotate_token(integration=integration)
            else:
                if not options["agency"]:
                    raise CommandError("Give --agency (the code of the root agency of its scope).")
                agency = Agency.objects.filter(code=options["agency"], is_active=True).first()
                if agency is None:
                    raise CommandError(f"No active agency has the code {options['agency']!r}.")
                integration, token = integration_create(
                    name=options["name"],
                    agency=agency,
                    scopes=options["scope"] or [IntegrationScope.INTAKE, IntegrationScope.READ],
                    rate_limit=options["rate_limit"],
                )
            secret = None
            if options["webhook"]:
                _endpoint, secret = webhook_endpoint_create(integration=integration, url=options["webhook"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"Integration: {integration.name} (id {integration.pk})")
        self.stdout.write(f"Agency scope: {integration.agency.code} and every agency under it")
        self.stdout.write(f"Scopes: {', '.join(integration.scopes)}")
        self.stdout.write(f"Token (shown once, store it now): {token}")
        if secret:
            self.stdout.write(f"Webhook {options['webhook']} signing secret (shown once): {secret}")
