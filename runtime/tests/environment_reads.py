"""The environment variables a Python package reads, found in its source: the first
argument, when it is a literal, of ``os.environ.get``/``environ.get``, ``os.getenv``,
``os.environ[...]``, ``"NAME" in os.environ``, and of the runtime's own readers
(``get_int``, ``env_list``, ``env_bool``). A name read through a variable is not
seen: read contract names by their literal. Used by the runtime's and the sender's
contract tests."""

import ast
from pathlib import Path

READERS = {"get_int", "env_list", "env_bool", "getenv"}


def _is_environ(node):
    return (isinstance(node, ast.Name) and node.id == "environ") or (
        isinstance(node, ast.Attribute) and node.attr == "environ")


def _literal(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def names_read(directory):
    """{name: [file:line, ...]} of every variable read by literal in the .py files under `directory`."""
    found = {}
    for path in sorted(Path(directory).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            name = None
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value):
                    name = _literal(node.args[0])
                elif (isinstance(func, ast.Name) and func.id in READERS) or (
                        isinstance(func, ast.Attribute) and func.attr in READERS):
                    name = _literal(node.args[0])
            elif isinstance(node, ast.Subscript) and _is_environ(node.value):
                name = _literal(node.slice)
            elif isinstance(node, ast.Compare) and len(node.comparators) == 1 and _is_environ(node.comparators[0]) \
                    and isinstance(node.ops[0], ast.In):
                name = _literal(node.left)
            if name:
                found.setdefault(name, []).append(f"{path.name}:{node.lineno}")
    return found
