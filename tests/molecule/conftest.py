"""Show what the Molecule scenarios measured or skipped, whether they passed or failed."""


def pytest_terminal_summary(terminalreporter):
    lines = [
        f"{report.nodeid.split('[')[-1].rstrip(']')}: {line}"
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, notes in getattr(report, "user_properties", [])
        if name == "molecule_notes"
        for line in notes
    ]
    if lines:
        terminalreporter.write_sep("=", "Molecule: measured and skipped")
        for line in lines:
            terminalreporter.write_line(line)
