"""W2's baseline: a FastAPI app whose one POST route does nothing, served like `caseledger serve`.

    python -m benchmarks.bare_app PORT
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/noop")
def noop() -> dict[str, str]:
    """A synchronous route, like the command routes: FastAPI runs it in its thread pool."""
    return {}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
