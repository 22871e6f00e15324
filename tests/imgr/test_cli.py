"""`imgr`'s arguments and help."""

from __future__ import annotations

import pytest

from imgr.cli import COMMANDS, build_parser, main
from imgr.runner import DEFAULT_INVENTORY


def test_commands_and_their_options():
    parse = build_parser().parse_args
    assert vars(parse(["lab", "up"])) == {"command": "lab", "action": "up"}
    assert parse(["lab", "down"]).action == "down"
    deploy = parse(["deploy", "-i", "inventory/prod", "--check"])
    assert (deploy.command, deploy.inventory, deploy.check) == ("deploy", "inventory/prod", True)
    status = parse(["status"])
    assert (status.inventory, status.json) == (str(DEFAULT_INVENTORY), False)
    assert parse(["status", "--inventory", "x", "--json"]).json
    assert parse(["upgrade", "0.2.0"]).version == "0.2.0"
    maintain = parse(["maintain", "borie,wacken", "--reboot", "--no-packages"])
    assert (maintain.node, maintain.reboot, maintain.no_packages) == ("borie,wacken", True, True)
    assert parse(["add-node", "kleber"]).node == parse(["remove-node", "kleber"]).node
    assert parse(["backup", "--dir", "/srv"]).dir == "/srv"
    assert parse(["restore", "a.tar.gz"]).archive == "a.tar.gz"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["lab"],
        ["lab", "sideways"],
        ["deploy", "--json"],
        ["upgrade"],
        ["maintain"],
        ["restore"],
    ],
)
def test_bad_usage_exits_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == 2
    assert "usage: imgr" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)])
def test_help_explains_every_command_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "example" in text and "imgr " in text
    if not command:
        assert all(name in text for name in COMMANDS)


def test_a_missing_inventory_is_a_clear_error(tmp_path, capsys):
    assert main(["status", "-i", str(tmp_path / "nope")]) == 1
    assert capsys.readouterr().err.strip() == f"imgr: no inventory {tmp_path / 'nope'}"
