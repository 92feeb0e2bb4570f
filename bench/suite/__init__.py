"""The bench suite of issue 14: Campus against its peers, one command, one table.

    .venv/bin/python -m bench.suite            # every scenario, three interleaved repetitions
    .venv/bin/python -m bench.suite --quick    # every scenario once at tiny sizes (the test command runs it)

Each scenario module (`bench.suite.chat`, `bench.suite.sockets`, `bench.suite.http`) lists its
`SCENARIOS`; `bench.suite.report` holds what they share: the options, the tables they return and
the statistics they print. docs/performance.md ("Suite") holds the table of the last full run.
"""
