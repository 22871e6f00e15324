import pytest
from imagehost import backoff
from imagehost.backoff import MAX_BACKOFF_SECONDS, MAX_RETRIES, backoff_seconds


@pytest.mark.parametrize("retries", range(MAX_RETRIES + 1))
def test_every_retry_waits_half_to_all_of_its_doubling_ceiling(retries):
    ceiling = min(MAX_BACKOFF_SECONDS, 2**retries)
    delays = [backoff_seconds(retries) for _ in range(100)]
    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(set(delays)) > 1  # jittered


def test_retries_last_long_enough_for_a_storage_restart(monkeypatch):
    # The shortest schedule the jitter can draw: every wait at its lower bound.
    monkeypatch.setattr(backoff.random, "uniform", lambda low, high: low)
    assert sum(backoff_seconds(retries) for retries in range(MAX_RETRIES)) >= 10 * 60
