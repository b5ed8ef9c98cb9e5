"""Train a new routing model (appeals.routing) from the finished appeals and print its held-out accuracy."""

from django.core.management.base import BaseCommand, CommandError

from appeals.routing import services


class Command(BaseCommand):
    help = "Train the routing model from finished appeals (their final category) and print its held-out accuracy."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Only the newest N finished appeals.")
        parser.add_argument(
            "--corpus", action="store_true", help="Train on the bundled corpus of citizens' texts instead (the demo)."
        )

    def handle(self, *args, **options):
        try:
            if options["corpus"]:
                model = services.router_train_corpus(out=self.stdout.write)
            else:
                model = services.router_train(limit=options["limit"], out=self.stdout.write)
        except services.NotEnoughHistory as exc:
            raise CommandError(f"Not enough history to train on: {exc}.") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Routing model v{model.version}: {model.history_size} appeals, held-out top-1 {model.top1:.1%}, "
                f"top-3 {model.top3:.1%}."
            )
        )
