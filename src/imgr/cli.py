"""Command-line entry point (placeholder until the platform lands)."""


def main() -> int:
    print("imgr: the platform commands arrive with the platform issue")
    return 0
