from imagehost.backoff import MAX_BACKOFF_SECONDS, MAX_RETRIES, backoff_seconds


def test_backoff_doubles_with_jitter():
    for retries in range(6):
        ceiling = 2**retries
        delays = [backoff_seconds(retries) for _ in range(200)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(set(delays)) > 1  # jittered


def test_backoff_is_capped():
    assert all(backoff_seconds(retries) <= MAX_BACKOFF_SECONDS for retries in range(MAX_RETRIES))


def test_retries_last_long_enough_for_a_storage_restart():
    shortest_total = sum(min(MAX_BACKOFF_SECONDS, 2**n) / 2 for n in range(MAX_RETRIES))
    assert shortest_total >= 10 * 60
