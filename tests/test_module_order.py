"""The order xdist's workers take the test modules in (tests/conftest.py: module_order)."""

from __future__ import annotations

from dataclasses import dataclass, field

from conftest import module_order


@dataclass
class Item:
    nodeid: str
    markers: set[str] = field(default_factory=set)

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self.markers else None


def test_modules_marked_starts_early_come_first_then_the_most_tests_first_each_in_its_own_order() -> None:
    items = [
        Item("a.py::one"), Item("a.py::two"),
        Item("long.py::only", {"starts_early"}),
        Item("b.py::x"), Item("b.py::y"), Item("b.py::z"),
        Item("c.py::p"), Item("c.py::q"),
    ]
    assert [i.nodeid for i in module_order(items)] == [
        "long.py::only", "b.py::x", "b.py::y", "b.py::z", "a.py::one", "a.py::two", "c.py::p", "c.py::q",
    ]
