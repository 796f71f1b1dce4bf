"""`caseledger relay`: publish the log to Kafka (following it, or `--once`), and its status."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from kafka.errors import KafkaError

from adapters.kafka_relay import KafkaRelay
from api.bootstrap import build_relay
from api.console import CliError, open_store, out, stop_on_signals
from api.settings import get_settings

__all__ = ["relay_app"]

relay_app = typer.Typer(invoke_without_command=True, help="Publish the event log to Kafka.")


def _relay() -> KafkaRelay:
    settings = get_settings()
    try:
        return build_relay(settings, open_store(settings))
    except ValueError as error:
        raise CliError(str(error)) from None


@relay_app.callback()
def relay(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Publish what the log holds, then exit.")] = False,
) -> None:
    """Publish every event to its topic, exactly once, following the log until stopped."""
    if ctx.invoked_subcommand is not None:
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    relay = _relay()
    if once:
        try:
            count = relay.publish_available()
        except KafkaError as error:
            raise CliError(f"kafka at {relay.config.bootstrap} is unavailable: {error}") from None
        finally:
            relay.close()
        out.print(f"published {count} events; position {relay.position}")
        return
    stop, wake = stop_on_signals()
    relay.ledger.listeners.append(lambda _: wake.set())
    relay.run(stop, wake)
    relay.close()


@relay_app.command()
def status() -> None:
    """The relay's committed position (read from Kafka) against the head of the log."""
    relay = _relay()
    try:
        state = relay.status()
    except KafkaError as error:
        raise CliError(f"kafka at {relay.config.bootstrap} is unavailable: {error}") from None
    out.print(f"position {state.position}  head {state.head}  lag {state.lag}")
