"""pyguard report: the doctor for unattended runs, compared with the previous run's state.

state.py keeps that state (where, locking, atomic writes, setting aside what is not ours),
ack.py applies the admin's acknowledgements, diff.py tells new, still-open and resolved findings
apart, model.py holds the ReportRun its renderers (pyguard.render) read.
"""
