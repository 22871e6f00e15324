"""The time-budget table printed at the end of a run (tests/time_budget.py)."""

from types import SimpleNamespace

from time_budget import minutes, rows, seconds_per_test, setup_steps, table


def test_setup_steps_are_read_in_order(tmp_path):
    steps = tmp_path / "timings.tsv"
    steps.write_text("Docker engine\t12.5\nlint\t40.0\n")
    assert setup_steps(steps) == [("Docker engine", 12.5), ("lint", 40.0)]
    assert setup_steps(tmp_path / "absent.tsv") == []


def test_a_tests_phases_are_summed():
    reports = [
        SimpleNamespace(nodeid="t.py::a", when="setup", duration=200.0),
        SimpleNamespace(nodeid="t.py::a", when="call", duration=5.0),
        SimpleNamespace(nodeid="t.py::a", when="teardown", duration=1.0),
        SimpleNamespace(nodeid="t.py::b", when="call", duration=2.0),
        SimpleNamespace(nodeid="warning", duration=9.0),
    ]
    assert seconds_per_test(reports) == {"t.py::a": 206.0, "t.py::b": 2.0}


def test_slow_tests_get_a_row_and_the_rest_are_summed_per_folder():
    tests = {
        "tests/molecule/test_scenarios.py::test_scenario[consul]": 400.0,
        "tests/platform/test_lab.py::test_up": 250.0,
        "tests/services/unit/test_a.py::test_x": 3.0,
        "tests/services/unit/test_b.py::test_y": 4.0,
    }
    assert rows([("lint", 50.0)], tests) == [
        ("set-up: lint", 50.0),
        ("tests/molecule/test_scenarios.py::test_scenario[consul]", 400.0),
        ("tests/platform/test_lab.py::test_up", 250.0),
        ("tests/services/unit/ (the other tests)", 7.0),
    ]


def test_the_table_gives_minutes_and_shares():
    lines = table([("set-up: lint", 30.0), ("tests/x.py::slow", 90.0)])
    assert lines[2] == "| set-up: lint | 30 s | 25% |"
    assert lines[3] == "| tests/x.py::slow | 1 min 30 s | 75% |"
    assert lines[-1] == "| **all of it** | **2 min 00 s** | |"
    assert minutes(59.4) == "59 s"
