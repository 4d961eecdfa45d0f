"""pyguard report: the doctor for cron, systemd timers and monitoring; quiet when nothing changed."""

from __future__ import annotations

import argparse

FORMATS = ("text", "json", "prometheus", "nagios")


def add_report(commands) -> None:
    from ..options import path_value, root_option

    parser = commands.add_parser(
        "report", help="run the doctor unattended and report what changed since the last run",
        description="Run the doctor and compare with the previous run: quiet when nothing "
                    "changed (exit 0), else a short summary of new, still-open and resolved "
                    "findings with their repair commands (exit as the doctor). Other formats "
                    "are for monitoring and always print.")
    root_option(parser)
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="text (default), json, prometheus (textfile collector) or nagios")
    parser.add_argument("--output", type=path_value, metavar="FILE",
                        help="write to FILE atomically (temp file and rename) instead of stdout")
    parser.add_argument("--config", type=path_value, metavar="FILE",
                        help="config file (default: $PYGUARD_CONFIG or /etc/pyguard/pyguard.conf)")
    parser.add_argument("--state-dir", type=path_value, metavar="DIR",
                        help="where the previous run's state is kept (default: /var/lib/pyguard "
                             "as root, else $XDG_STATE_HOME/pyguard)")
    parser.set_defaults(run=run_report)


def run_report(args: argparse.Namespace) -> int:
    import sys
    import time

    from .. import config as config_module
    from ..findings import Problem
    from ..report.model import ReportRun
    from ..report.run import examine_failed, report

    try:
        config = config_module.load(args.config)
        fmt = args.format or config.format or "text"
    except config_module.ConfigError as exc:
        config = config_module.Config()
        fmt = args.format or "text"
        outcome = ReportRun(examine_failed(args.root, Problem("bad-config", str(exc))), (), None,
                            time.time())
        messages = []
    else:
        delivered: list = []

        def deliver(outcome: ReportRun, messages: list) -> None:
            delivered.append(_deliver(outcome, messages, config, fmt, args.output))

        try:
            outcome, messages = report(args.root, config, args.state_dir, fmt, deliver=deliver)
        except NotDelivered as exc:  # the state stays as it was: the next run says it again
            sys.stderr.write(f"{exc}\n")
            return 3
        if delivered:
            return delivered[0]
    try:
        return _deliver(outcome, messages, config, fmt, args.output)
    except NotDelivered as exc:
        sys.stderr.write(f"{exc}\n")
        return 3


class NotDelivered(Exception):
    """The report could not be written where it goes."""


def _deliver(outcome, messages, config, fmt: str, output_option) -> int:
    """Say the run's messages, log its summary, write its report; its exit code."""
    import sys

    from ..render.escape import printable

    output = output_option or config.output
    for message in messages:
        sys.stderr.write(printable(message) + "\n")
    if config.syslog:
        from ..report.log import log_summary
        try:
            log_summary(outcome)
        except OSError:
            pass  # a log that cannot be written must not fail the run
    text, code = _render(outcome, fmt)
    if fmt == "text" and outcome.errors:
        sys.stderr.write(text)
        text = ""
    if output:
        from ..report.state import write_output
        try:
            write_output(output, text.encode("utf-8", "surrogateescape"))
        except OSError as exc:
            raise NotDelivered(f"pyguard: cannot write {printable(output)}: "
                               f"{printable(str(exc.strerror or exc))}") from None
    elif text:
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(errors="surrogateescape")
        sys.stdout.write(text)
        sys.stdout.flush()  # a full or closed stdout raises here, before the state is saved
    return code


def _render(outcome, fmt: str):
    """(text, exit code) of a run in a format; text is quiet (empty, exit 0) when nothing changed."""
    if fmt == "json":
        from ..render.json import dumps, report_envelope
        return dumps(report_envelope(outcome)), outcome.exit_code
    if fmt == "prometheus":
        from ..render.prometheus import render
        return render(outcome), outcome.exit_code
    if fmt == "nagios":
        from ..render.nagios import render
        return render(outcome), outcome.exit_code
    import os

    from ..render.summary import render
    from ..render.text import Context

    if outcome.errors or outcome.changes is None:
        return render(outcome, Context(outcome.examination.root, True)), 3
    if not outcome.changes.changed:
        return "", 0
    context = Context(root=outcome.examination.root, as_root=os.geteuid() == 0)
    return render(outcome, context), outcome.exit_code
