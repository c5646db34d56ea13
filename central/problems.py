"""Every error response has the :class:`contract.protocol.Problem` shape: ``detail`` (a
sentence) and ``errors`` (one ``{field, message}`` per faulty field)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from contract.protocol import FieldProblem, Problem

P: dict[str, Any] = {"model": Problem}
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {**P, "description": "Missing, unknown or revoked token"},
    422: {**P, "description": "The request is not valid; `errors` names each faulty field"},
}


class ProblemError(Exception):
    """Raised by handlers and dependencies; rendered as a Problem response."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        errors: Sequence[FieldProblem] = (),
        headers: dict[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers
        self.extra = dict(extra or {})

    @classmethod
    def about(cls, status_code: int, detail: str, field: str, message: str) -> ProblemError:
        """The error of one faulty ``field``, with what is wrong with it."""
        return cls(status_code, detail, [FieldProblem(field=field, message=message)])

    def response(self) -> JSONResponse:
        body = Problem(detail=self.detail, errors=self.errors).model_dump(mode="json")
        body.update(self.extra)
        return JSONResponse(body, status_code=self.status_code, headers=self.headers)


def _field_name(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "path", "query", "header"):
        parts = parts[1:] or parts
    return ".".join(parts) if parts else "body"


def _clear_message(err: dict[str, Any]) -> str:
    kind = err.get("type")
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        return "unknown field: remove it"
    if kind == "json_invalid":
        ctx = err.get("ctx") or {}
        return f"the body is not valid JSON ({ctx.get('error', 'syntax error')})"
    msg = str(err.get("msg", "invalid value"))
    return msg.removeprefix("Value error, ")


def problems_from(errors: Sequence[Any], prefix: Sequence[str] = ()) -> list[FieldProblem]:
    out = []
    for err in errors:
        loc = [*prefix, *err.get("loc", ())]
        if err.get("type") == "json_invalid":
            loc = ["body"]
        out.append(FieldProblem(field=_field_name(loc), message=_clear_message(dict(err))))
    return out


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _on_problem(_request: Request, exc: ProblemError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers) if exc.headers else None
        return ProblemError(exc.status_code, str(exc.detail), headers=headers).response()

    @app.exception_handler(RequestValidationError)
    async def _on_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = problems_from(exc.errors())
        noun = "problem" if len(problems) == 1 else "problems"
        detail = f"the request is not valid: {len(problems)} {noun}, see errors"
        return ProblemError(422, detail, problems).response()
