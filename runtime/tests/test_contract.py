"""The runtime reads exactly the environment the contract (contract.json) describes:
every variable it reads is the construct's, a site owner's or AWS's, and every
variable the construct sets is read somewhere (the construct's side: test/contract.test.ts)."""

import json

from wagtail_scale_to_zero_runtime.contract import CONTRACT_FILE

from .environment_reads import names_read

CONTRACT = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))
PACKAGE_DIR = CONTRACT_FILE.parent


def test_every_variable_the_runtime_reads_is_in_the_contract():
    known = set(CONTRACT["environment"]) | set(CONTRACT["siteEnvironment"]) | set(CONTRACT["platformEnvironment"])
    unknown = {name: where for name, where in names_read(PACKAGE_DIR).items() if name not in known}
    assert unknown == {}


def test_every_variable_the_construct_sets_or_a_site_owner_may_set_is_read():
    read = names_read(PACKAGE_DIR)
    expected = set(CONTRACT["environment"]) | set(CONTRACT["siteEnvironment"]) | set(CONTRACT["platformEnvironment"])
    assert sorted(expected - set(read)) == []


def test_the_scanner_sees_each_way_of_reading(tmp_path):
    (tmp_path / "reads.py").write_text(
        "import os\nfrom os import environ\n"
        "a = os.environ.get('A')\nb = environ.get('B', '')\nc = os.environ['C']\nd = 'D' in os.environ\n"
        "e = get_int('E')\nf = env_list('F')\ng = os.getenv('G')\nh = os.environ.get(name)\n")
    assert sorted(names_read(tmp_path)) == ["A", "B", "C", "D", "E", "F", "G"]
