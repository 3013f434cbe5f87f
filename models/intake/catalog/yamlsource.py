"""Read YAML keeping the line of every node, so errors can point at the line to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from models.errors import InputError, Problem, format_path

try:  # libyaml is much faster; fall back to the pure-Python loader
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader

Loc = tuple[str | int, ...]


class DuplicateKey(ValueError):
    def __init__(self, key: str, line: int):
        self.key, self.line = key, line
        super().__init__(f"duplicate key '{key}'")


class BadScalar(ValueError):
    """A value YAML recognised but could not build, such as the date 2023-13-31."""

    def __init__(self, loc: Loc, line: int, message: str):
        self.loc, self.line = loc, line
        super().__init__(message)


def load_with_lines(text: str) -> tuple[Any, dict[Loc, int]]:
    """Parse one YAML document; return the data and a map from path to 1-based line."""
    node = yaml.compose(text, Loader=SafeLoader)
    lines: dict[Loc, int] = {}
    if node is None:
        return None, lines
    constructor = SafeLoader(text)  # only its scalar constructors are used

    def build(n: yaml.Node, loc: Loc) -> Any:
        lines[loc] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            constructor.flatten_mapping(n)  # resolve merge keys (<<)
            out: dict[Any, Any] = {}
            for key_node, value_node in n.value:
                key = constructor.construct_object(key_node)
                if key in out:
                    raise DuplicateKey(str(key), key_node.start_mark.line + 1)
                out[key] = build(value_node, (*loc, key))
                lines[(*loc, key)] = key_node.start_mark.line + 1  # the key's line reads best
            return out
        if isinstance(n, yaml.SequenceNode):
            return [build(item, (*loc, i)) for i, item in enumerate(n.value)]
        try:
            return constructor.construct_object(n)
        except ValueError as exc:
            raise BadScalar(loc, n.start_mark.line + 1, f"'{n.value}' is not a valid value ({exc})") from exc

    try:
        return build(node, ()), lines
    finally:
        constructor.dispose()


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of the deepest known node on the path (a missing key points at its parent)."""
    for end in range(len(loc), -1, -1):
        if (found := lines.get(tuple(loc[:end]))) is not None:
            return found
    return None


def read_yaml_file(path: Path, error: type[InputError], invalid: str) -> tuple[Any, dict[Loc, int]]:
    """A YAML file's data and lines, or `error` naming the file and line: the one reader of the
    files people edit (calendar, organisation). `invalid` is the code of a value YAML cannot build."""
    name = str(path)

    def refused(code: str, where: str, line: int | None, message: str) -> InputError:
        return error([Problem(name, code, where, line, message)])

    try:
        return load_with_lines(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise refused("encoding", "", None, f"not UTF-8 ({exc.reason})") from exc
    except DuplicateKey as exc:
        raise refused("duplicate-key", "", exc.line, str(exc)) from exc
    except BadScalar as exc:
        raise refused(invalid, format_path(exc.loc), exc.line, str(exc)) from exc
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise refused("yaml-syntax", "", line, str(exc.problem)) from exc
