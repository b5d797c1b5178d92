"""How long a student who left still reaches a service (common/contract.py,
"Former students"), read from the wire contract alone: common/contract.py
re-exports it; a process that needs only this imports this module
(services/accounts/rentree.py in services/accounts/import_child.py)."""
import importlib
import pkgutil

import contract


def former_students_months(service: str) -> int:
    """How many months after leaving a student still reaches `service`: the
    `FORMER_STUDENTS_MONTHS` of its contract module, 0 (not at all) without."""
    try:
        module = importlib.import_module(f"contract.{service}")
    except ModuleNotFoundError as exc:
        if exc.name != f"contract.{service}":
            raise
        return 0
    return getattr(module, "FORMER_STUDENTS_MONTHS", 0)


def longest_former_students_months() -> int:
    """The longest any service declares: how long accounts keeps listing a
    student who left to their family (services/accounts/rentree.py)."""
    return max((former_students_months(m.name) for m in pkgutil.iter_modules(contract.__path__)), default=0)
