"""`hcl_parse`: read HCL with python-hcl2 (controller venv) into plain data.

python-hcl2 keeps string quotes and marks blocks with `__is_block__`; both are
dropped here so a verify playbook can compare values directly.
"""

import json

import hcl2


def _plain(value):
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    return value


def hcl_parse(text):
    return _plain(hcl2.loads(text))


class FilterModule:
    def filters(self):
        return {"hcl_parse": hcl_parse}
