import random
import string

from imagehost import ids
from imagehost.ids import is_valid_id, new_id


def test_new_ids_have_the_upstream_shape():
    alphabet = set(string.ascii_letters + string.digits)
    for _ in range(200):
        image_id = new_id()
        assert len(image_id) == 8
        assert set(image_id) <= alphabet
        assert is_valid_id(image_id)


def test_new_ids_do_not_repeat():
    assert len({new_id() for _ in range(5000)}) == 5000


def test_ids_use_the_whole_alphabet():
    seen = set("".join(new_id() for _ in range(2000)))
    assert seen == set(string.ascii_letters + string.digits)


def test_ids_come_from_the_cryptographic_generator(monkeypatch):
    # Every character is drawn by `secrets`...
    monkeypatch.setattr(ids.secrets, "choice", lambda alphabet: "Z")
    assert new_id() == "ZZZZZZZZ"


def test_ids_do_not_follow_the_random_module():
    # ...and not by `random`, whose sequence anyone can replay from a seed.
    random.seed(1234)
    first = new_id()
    random.seed(1234)
    assert new_id() != first


def test_malformed_ids_are_refused():
    for bad in [
        "",
        "abc",
        "abcdefghi",
        "abcd-efg",
        "abcdefg!",
        "abcdéfgh",
        "../etc/p",
        "abcdefg\n",
    ]:
        assert not is_valid_id(bad), bad
