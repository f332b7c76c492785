"""The eval suite: cases as data, recorded model responses, scoring, reports and a CI gate.

The modules follow the data flow of one ``concord eval`` run: ``cases`` (load and check the
case folders) → ``cassettes`` (record or replay model traffic) → ``case_runner`` (summarise each
case) → ``scoring`` (expectations, precision, recall) → ``report_*`` and ``baseline``.
"""
