"""The kiosk's distribution brings no server library: FastAPI, uvicorn (and Starlette) and
Argon2 come only with the ``central`` extra, for the central API."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution

from packaging.requirements import Requirement

SERVER_ONLY = {"fastapi", "uvicorn", "starlette", "argon2-cffi", "argon2-cffi-bindings"}


def _name(value: str) -> str:
    return re.sub(r"[-_.]+", "-", value).lower()


def _base_requirements(dist_name: str) -> list[Requirement]:
    """What installing ``dist_name`` without any extra installs directly."""
    out = []
    for line in distribution(dist_name).requires or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.append(req)
    return out


def _closure(dist_name: str) -> set[str]:
    """Every distribution that installing ``dist_name`` alone brings (as installed here)."""
    seen: set[str] = set()
    todo = [dist_name]
    while todo:
        name = _name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            todo += [r.name for r in _base_requirements(name)]
        except PackageNotFoundError:
            continue  # not installed here (e.g. a platform-specific dependency)
    return seen


def test_the_kiosk_alone_requires_no_server_library() -> None:
    direct = {_name(r.name) for r in _base_requirements("kiosk-titre-sejour")}
    assert direct, "the distribution's metadata lists no requirement: is it installed?"
    assert not direct & SERVER_ONLY
    brought = _closure("kiosk-titre-sejour")
    assert "pyside6-essentials" in brought  # the walk does follow the requirements
    assert not brought & SERVER_ONLY, sorted(brought & SERVER_ONLY)


def test_the_central_extra_brings_the_server() -> None:
    extra = {
        _name(Requirement(line).name)
        for line in distribution("kiosk-titre-sejour").requires or []
        if Requirement(line).marker is not None
        and Requirement(line).marker.evaluate({"extra": "central"})  # type: ignore[union-attr]
    }
    assert {"fastapi", "uvicorn", "argon2-cffi"} <= extra
