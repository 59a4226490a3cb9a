"""The witness's HTTP interface (c2sp.org/tlog-witness): ``POST /add-checkpoint``.

Also ``GET /witness-key`` (the witness's vkey, type 0x04) for operators wiring it up.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from detente import __version__
from detente.registry._policy import ServiceError
from detente.registry._witness import MAX_REQUEST, Witness, WitnessConflict

__all__ = ["create_witness_app"]


def create_witness_app(witness: Witness) -> FastAPI:
    app = FastAPI(title="Détente witness", version=__version__)

    @app.post("/add-checkpoint", summary="Cosign a checkpoint consistent with the last one")
    async def add_checkpoint(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_REQUEST:
            return PlainTextResponse("request too large\n", 413)
        try:
            lines = await run_in_threadpool(witness.add_checkpoint, body)
        except WitnessConflict as exc:
            return Response(f"{exc.size}\n", 409, media_type="text/x.tlog.size")
        except ServiceError as exc:
            return PlainTextResponse(exc.problem + "\n", exc.status)
        return PlainTextResponse(lines, 200)

    @app.get("/witness-key", response_class=PlainTextResponse, summary="The witness's vkey")
    def witness_key() -> str:
        return witness.key.vkey + "\n"

    return app
